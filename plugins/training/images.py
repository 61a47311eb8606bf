"""Signature and seal uploads: size- and type-checked, decoded for real, stored as PNG."""

from __future__ import annotations

from core import images
from plugins.training.services import TrainingError

MAX_BYTES = 512 * 1024
MAX_SIDE = 3000
ALLOWED_FORMATS = ("PNG", "JPEG")


def clean_image(data: bytes, *, max_bytes: int = MAX_BYTES) -> bytes:
    """Check an uploaded image and return it re-encoded as PNG (metadata dropped).

    core.images does the work with this plugin's limits: at most ``max_bytes``, a PNG or
    JPEG by its content (whatever its name says), at most MAX_SIDE pixels on a side.
    """
    try:
        return images.clean_image(data, max_bytes=max_bytes, formats=ALLOWED_FORMATS,
                                  max_side=MAX_SIDE, output="PNG").data
    except images.ImageError as exc:
        raise TrainingError(exc.message) from exc
