"""Signature and seal uploads: size- and type-checked, decoded for real, stored as PNG."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _

from plugins.training.services import TrainingError

MAX_BYTES = 512 * 1024
MAX_SIDE = 3000
ALLOWED_FORMATS = {"PNG", "JPEG"}


def clean_image(data: bytes, *, max_bytes: int = MAX_BYTES) -> bytes:
    """Check an uploaded image and return it re-encoded as PNG (metadata dropped).

    Refused: over ``max_bytes``, not a PNG or JPEG by its content (whatever its name says),
    larger than MAX_SIDE pixels on a side (decompression bombs), or undecodable.
    """
    from PIL import Image

    if not data:
        raise TrainingError(_("The file is empty."))
    if len(data) > max_bytes:
        raise TrainingError(_("The image is larger than %(kb)d KB.", kb=max_bytes // 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind, size = probe.format, probe.size
                probe.verify()
            if kind not in ALLOWED_FORMATS:
                raise TrainingError(_("Only PNG and JPEG images are accepted."))
            if max(size) > MAX_SIDE:
                raise TrainingError(_("The image is larger than %(px)d pixels on a side.",
                                      px=MAX_SIDE))
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
                out = io.BytesIO()
                image.save(out, format="PNG", optimize=True)
    except TrainingError:
        raise
    except Exception as exc:
        raise TrainingError(_("This file is not a readable image.")) from exc
    return out.getvalue()
