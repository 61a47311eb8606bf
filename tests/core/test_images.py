"""core.images.clean_image: what an upload must be, and what is left of it afterwards."""

import io

import pytest
from flask_babel import gettext
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from core.images import CleanImage, ImageError, clean_image

MB = 1024 * 1024


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def picture(size=(40, 30), mode="RGB", color=(200, 30, 30)) -> Image.Image:
    return Image.new(mode, size, color)


def decoded(clean: CleanImage) -> Image.Image:
    img = Image.open(io.BytesIO(clean.data))
    img.load()
    return img


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: lying on its side (orientation 6), with the maker,
    a GPS position and a comment; left half red, right half blue."""
    img = picture((60, 30))
    img.paste((0, 0, 255), (30, 0, 60, 30))
    exif = Image.Exif()
    exif[0x0112] = 6                  # Orientation: rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"       # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (11.0, 33.0, 25.0)        # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (104.0, 55.0, 12.0)       # GPSLongitudeRef, GPSLongitude
    return encode(img, "JPEG", exif=exif, comment=b"secret comment", quality=95)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepts_each_format_and_says_what_it_wrote(fmt):
    clean = clean_image(encode(picture(), fmt), max_bytes=MB)
    assert isinstance(clean, CleanImage)
    assert (clean.source_format, clean.format, clean.size) == (fmt, "JPEG", (40, 30))
    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    assert bytes(clean) == clean.data and decoded(clean).format == "JPEG"


def test_output_format_is_chosen_by_the_caller():
    data = encode(picture(), "JPEG")
    for fmt, ctype, ext in (("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp"),
                            ("jpeg", "image/jpeg", "jpg")):
        clean = clean_image(data, max_bytes=MB, output=fmt)
        assert (clean.format, clean.content_type, clean.extension) == (fmt.upper(), ctype, ext)
        assert decoded(clean).format == fmt.upper()
    with pytest.raises(ValueError, match="cannot write"):
        clean_image(data, max_bytes=MB, output="GIF")


def test_transparency_is_kept_as_png_or_flattened_onto_white_in_jpeg():
    data = encode(picture(mode="RGBA", color=(0, 0, 255, 0)), "PNG")
    clean = clean_image(data, max_bytes=MB)
    assert clean.format == "PNG" and decoded(clean).getpixel((0, 0))[3] == 0
    flat = clean_image(data, max_bytes=MB, output="JPEG")
    assert decoded(flat).mode == "RGB" and min(decoded(flat).getpixel((0, 0))) > 245
    palette = encode(picture(mode="P", color=0), "PNG", transparency=0)
    assert decoded(clean_image(palette, max_bytes=MB)).mode == "RGBA"


def test_metadata_is_stripped_and_orientation_applied():
    data = phone_photo()
    assert b"PhoneMaker" in data and b"secret comment" in data
    clean = clean_image(data, max_bytes=MB)
    assert b"PhoneMaker" not in clean.data and b"secret comment" not in clean.data
    img = decoded(clean)
    assert not img.getexif() and "exif" not in img.info and "comment" not in img.info
    assert clean.size == img.size == (30, 60)          # stood upright
    top, bottom = img.getpixel((15, 5)), img.getpixel((15, 55))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # red on top, blue below
    assert not decoded(clean_image(data, max_bytes=MB, output="PNG")).getexif()
    assert not decoded(clean_image(data, max_bytes=MB, output="WEBP")).getexif()


def test_png_text_and_anything_after_the_image_are_dropped():
    info = PngInfo()
    info.add_text("Comment", "hidden words")
    data = encode(picture(), "PNG", pnginfo=info) + b"<script>alert(1)</script>"
    clean = clean_image(data, max_bytes=MB, output="PNG")
    assert b"hidden words" not in clean.data and b"<script>" not in clean.data


def test_an_rgb_colour_profile_is_kept_a_cmyk_one_is_not():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    clean = clean_image(encode(picture(), "JPEG", icc_profile=srgb), max_bytes=MB)
    assert decoded(clean).info.get("icc_profile") == srgb
    cmyk = clean_image(encode(picture(mode="CMYK", color=(0, 255, 255, 0)), "JPEG",
                              icc_profile=b"not really a CMYK profile"), max_bytes=MB)
    assert decoded(cmyk).mode == "RGB" and "icc_profile" not in decoded(cmyk).info


def test_fit_shrinks_and_never_enlarges():
    big = encode(picture((4000, 1000)), "JPEG")
    clean = clean_image(big, max_bytes=MB, fit=2000)
    assert clean.size == (2000, 500) == decoded(clean).size
    small = clean_image(encode(picture(), "PNG"), max_bytes=MB, fit=2000)
    assert small.size == (40, 30)


def test_max_side_refuses_what_is_too_long():
    data = encode(picture((3001, 10)), "PNG")
    with pytest.raises(ImageError, match="larger than 3000 pixels on a side"):
        clean_image(data, max_bytes=MB, max_side=3000)
    assert clean_image(data, max_bytes=MB, max_side=3001).size == (3001, 10)


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"<script>alert(1)</script>", "This file is not a readable image."),
    (b"GIF89a not really", "This file is not a readable image."),
    (b"%PDF-1.7\n", "This file is not a readable image."),
    (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "Only PNG, JPEG, WEBP images are accepted."),
])
def test_refuses_what_is_no_picture(data, message):
    with pytest.raises(ImageError) as refused:
        clean_image(data, max_bytes=MB)
    assert str(refused.value) == message and isinstance(refused.value, ValueError)


def test_a_truncated_picture_is_refused():
    data = encode(picture((200, 200)), "PNG")
    with pytest.raises(ImageError, match="not a readable image"):
        clean_image(data[: len(data) // 2], max_bytes=MB)


def test_format_is_judged_by_the_content():
    gif = encode(picture(mode="P", color=1), "GIF")
    bmp = encode(picture(), "BMP")
    for data in (gif, bmp):
        with pytest.raises(ImageError, match="Only PNG, JPEG, WEBP images are accepted."):
            clean_image(data, max_bytes=MB)
    webp = encode(picture(), "WEBP")
    with pytest.raises(ImageError, match="Only PNG, JPEG images are accepted."):
        clean_image(webp, max_bytes=MB, formats=("PNG", "JPEG"))


@pytest.mark.parametrize("max_bytes, message", [
    (512 * 1024, "The file is larger than 512 KB."),
    (5 * MB, "The file is larger than 5 MB."),
    (1536 * 1024, "The file is larger than 1536 KB."),
])
def test_refuses_too_many_bytes_with_the_limit(max_bytes, message):
    with pytest.raises(ImageError) as refused:
        clean_image(b"\x89PNG" + b"0" * max_bytes, max_bytes=max_bytes)
    assert str(refused.value) == message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_refuses_too_many_pixels_before_decoding_them():
    # 10,000 x 10,000 one-bit pixels: 12 KB of PNG, 100 megapixels once decoded.
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG")
    assert len(bomb) < 20_000
    with pytest.raises(ImageError, match=r"too many pixels \(at most 40 megapixels\)"):
        clean_image(bomb, max_bytes=MB)
    with pytest.raises(ImageError, match="at most 0.5 megapixels"):
        clean_image(encode(picture((1000, 600)), "PNG"), max_bytes=MB, max_pixels=500_000)
    assert clean_image(encode(picture((1000, 500)), "PNG"), max_bytes=MB,
                       max_pixels=500_000).size == (1000, 500)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillows_own_limit_holds_too(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    small = encode(picture((40, 20)), "PNG")
    assert clean_image(small, max_bytes=MB, max_pixels=None).size == (40, 20)
    with pytest.raises(ImageError, match="too many pixels"):
        clean_image(encode(picture((50, 30)), "PNG"), max_bytes=MB, max_pixels=None)
    with pytest.raises(ImageError, match="too many pixels"):  # Pillow's own bomb error
        clean_image(encode(picture((100, 100)), "PNG"), max_bytes=MB, max_pixels=10**9)


def test_an_animation_keeps_its_first_frame():
    frames = [picture((20, 20), color=c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    clean = clean_image(out.getvalue(), max_bytes=MB, output="PNG")
    img = decoded(clean)
    assert getattr(img, "n_frames", 1) == 1 and img.getpixel((10, 10))[:3] == (255, 0, 0)


def test_messages_are_lazy_translations(app):
    with pytest.raises(ImageError) as refused:
        clean_image(b"\x89PNG" + b"0" * MB, max_bytes=MB)
    with app.test_request_context("/?lang=km"):
        km = str(refused.value)
        assert km == gettext("The file is larger than %(mb)d MB.", mb=1)
        assert "1 MB" in km and km != "The file is larger than 1 MB."
    assert str(refused.value) == "The file is larger than 1 MB."
