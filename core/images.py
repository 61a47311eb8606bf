"""Uploaded pictures: checked for real, then re-encoded clean.

:func:`clean_image` decodes what was uploaded (whatever its name or content type claims),
refuses what is not a picture of an accepted format or is too big (bytes, pixels, sides),
turns it upright as its EXIF orientation says, and encodes it again. Only the pixels (and
the colour profile) survive: EXIF with GPS positions, XMP, comments and anything hidden
after the image data (a script in a polyglot file) are gone.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_FORMATS = ("PNG", "JPEG", "WEBP")
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# Formats Pillow may identify from their header, to say "wrong format" for those not
# accepted (only an accepted format's pixels are ever decoded).
_IDENTIFIED = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF", "ICO")
_MIB = 1024 * 1024


class ImageError(ValueError):
    """An upload refused; ``str(exc)`` is the user's message (translated, also outside a
    request), ``exc.message`` the lazy string."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CleanImage:
    """The re-encoded picture: ``data`` in ``format``, ``width`` x ``height`` pixels
    (after orientation and shrinking); ``source_format`` is what was uploaded."""

    data: bytes
    format: str
    width: int
    height: int
    source_format: str

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    def __bytes__(self) -> bytes:
        return self.data


def _too_many_bytes(max_bytes: int) -> ImageError:
    if max_bytes >= _MIB and max_bytes % _MIB == 0:
        return ImageError(_l("The file is larger than %(mb)d MB.", mb=max_bytes // _MIB))
    return ImageError(_l("The file is larger than %(kb)d KB.", kb=max(1, max_bytes // 1024)))


def _too_many_pixels(limit: int) -> ImageError:
    mp = limit / 1_000_000
    megapixels = f"{mp:.1f}".removesuffix(".0") if mp >= 1 else f"{mp:.3g}"
    return ImageError(_l("The image has too many pixels (at most %(mp)s megapixels).",
                         mp=megapixels))


def _wrong_format(formats: tuple[str, ...]) -> ImageError:
    return ImageError(_l("Only %(formats)s images are accepted.", formats=", ".join(formats)))


def _unreadable() -> ImageError:
    return ImageError(_l("This file is not a readable image."))


def _has_alpha(img) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _pixel_limit(max_pixels: int | None) -> int | None:
    from PIL import Image

    limits = [n for n in (max_pixels, Image.MAX_IMAGE_PIXELS) if n]
    return min(limits) if limits else None


def clean_image(data: bytes, *, max_bytes: int, max_pixels: int | None = DEFAULT_MAX_PIXELS,
                formats: Iterable[str] = DEFAULT_FORMATS, max_side: int | None = None,
                fit: int | None = None, output: str | None = None,
                quality: int = 85) -> CleanImage:
    """Check an uploaded picture and return it re-encoded, metadata dropped.

    Refused, with an :class:`ImageError` saying why: nothing uploaded; more than
    ``max_bytes``; not a picture Pillow can decode; a format outside ``formats`` (judged
    by the content, never the name); more than ``max_pixels`` pixels (and never more than
    Pillow's ``Image.MAX_IMAGE_PIXELS``: decompression bombs are refused from the header,
    before any pixel is decoded); more than ``max_side`` pixels on a side.

    ``fit`` shrinks the picture to fit a ``fit`` x ``fit`` square (never enlarges).
    ``output`` is the format written: ``"PNG"``, ``"JPEG"`` or ``"WEBP"``; by default JPEG,
    or PNG when the picture has transparency. JPEG flattens transparency onto white.
    Animated pictures keep their first frame.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    formats = tuple(f.upper() for f in formats)
    if output is not None and output.upper() not in CONTENT_TYPES:
        raise ValueError(f"cannot write {output!r} images")
    if not data:
        raise ImageError(_l("The file is empty."))
    if len(data) > max_bytes:
        raise _too_many_bytes(max_bytes)
    pixel_limit = _pixel_limit(max_pixels)
    try:
        # Identify from the header only; Pillow's own bomb check may raise here already.
        try:
            probe = Image.open(io.BytesIO(data), formats=formats + _IDENTIFIED)
        except UnidentifiedImageError:
            if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
                raise _wrong_format(formats) from None  # iPhone HEIC, AVIF
            raise
        with probe:
            source_format, (width, height) = probe.format, probe.size
            if source_format not in formats:
                raise _wrong_format(formats)
            if pixel_limit is not None and width * height > pixel_limit:
                raise _too_many_pixels(pixel_limit)
            if max_side is not None and max(width, height) > max_side:
                raise ImageError(_l("The image is larger than %(px)d pixels on a side.",
                                    px=max_side))
            probe.verify()
        with Image.open(io.BytesIO(data), formats=(source_format,)) as img:
            if fit is not None and source_format == "JPEG":
                img.draft(None, (fit, fit))  # decode at 1/2, 1/4 or 1/8 scale: less memory
            img.load()
            # A colour profile is kept only when it describes the RGB written (not CMYK, grey).
            rgb = img.mode in ("RGB", "RGBA", "RGBX", "P", "PA")
            icc_profile = img.info.get("icc_profile") if rgb else None
            img = ImageOps.exif_transpose(img)
            if fit is not None:
                img.thumbnail((fit, fit), Image.Resampling.LANCZOS)
            alpha = _has_alpha(img)
            fmt = (output or ("PNG" if alpha else "JPEG")).upper()
            if fmt == "JPEG" and alpha:
                rgba = img.convert("RGBA")
                img = Image.new("RGB", rgba.size, "white")
                img.paste(rgba, mask=rgba.getchannel("A"))
            else:
                img = img.convert("RGBA" if alpha else "RGB")
            img.info = {}  # nothing of the upload's metadata is written back
            params: dict = {"icc_profile": icc_profile} if icc_profile else {}
            if fmt == "PNG":
                params["optimize"] = True
            else:
                params["quality"] = quality
            out = io.BytesIO()
            img.save(out, fmt, **params)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(pixel_limit or DEFAULT_MAX_PIXELS) from None
    except Exception as exc:  # noqa: BLE001 - decoders of hostile files raise all sorts
        raise _unreadable() from exc
    return CleanImage(data=out.getvalue(), format=fmt, width=img.width, height=img.height,
                      source_format=source_format)
