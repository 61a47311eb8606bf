"""Public verification of issued documents, shared by every plugin that issues them.

Core serves ``/verify/<code>`` and asks the plugins (``ctc_verify_code``) whose code it is,
so an award and a course certificate from two plugins are checked the same way and neither
imports the other. Codes are unguessable: :func:`new_code` gives 80 bits in Crockford's
base 32 (no I, L, O, U), grouped for reading aloud.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, render_template

from core.auth.permissions import public
from core.extensions import limiter

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
CODE_LENGTH = 16  # 16 symbols x 5 bits = 80 bits


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows about one issued document."""

    status: str  # "valid", "revoked", "superseded" or "expired"
    kind_en: str
    kind_km: str
    holder_name_km: str
    holder_name_en: str
    title_en: str
    title_km: str
    center_name_en: str
    center_name_km: str
    issued_on: date
    number: str = ""
    reason: str = ""  # why it was revoked
    superseded_by: str = ""  # the number of the document that replaces it
    valid_until: date | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PersonRef:
    """A person another plugin can link to (see the ``ctc_find_people`` hook)."""

    ref: str  # "<plugin>:<kind>:<id>", stable
    name: str
    detail: str = ""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Upper-case, drop spaces and dashes, read the look-alikes as Crockford does."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -")
    return cleaned.translate(str.maketrans({"I": "1", "L": "1", "O": "0"}))


def group_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


bp = Blueprint("verification", __name__)


@bp.route("/verify/<code>")
@public
@limiter.limit(lambda: __import__("flask").current_app.config["RATELIMIT_PUBLIC"])
def verify(code: str):
    from core.plugins import registry

    normalised = normalise_code(code)
    if not (8 <= len(normalised) <= 32) or any(ch not in ALPHABET for ch in normalised):
        abort(404)
    result = registry().pm.hook.ctc_verify_code(code=normalised)
    if result is None:
        return render_template("core/verify.html", result=None, code=group_code(normalised)), 404
    return render_template("core/verify.html", result=result, code=group_code(normalised))
