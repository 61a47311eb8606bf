"""Language and time zone selection, and template helpers for bilingual fields."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

from core import clock


def select_locale() -> str:
    languages = current_app.config["CTC_LANGUAGES"]
    if has_request_context():
        wanted = request.args.get("lang")
        if wanted in languages:
            session["lang"] = wanted
            return wanted
        if session.get("lang") in languages:
            return session["lang"]
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    from core.tenancy import current_center

    return clock.zone_name(current_center())


def lang() -> str:
    return str(get_locale() or "km")


def local_name(obj, field: str = "name") -> str:
    """``obj.<field>_km`` in Khmer, ``obj.<field>_en`` otherwise (falling back to the other)."""
    km = getattr(obj, f"{field}_km", "") or ""
    en = getattr(obj, f"{field}_en", "") or ""
    return (km or en) if lang() == "km" else (en or km)


def to_local(value: datetime | None, center=None) -> datetime | None:
    """For templates (``to_local(x)``, ``x|localtime``): a naive UTC datetime from the
    database as local wall-clock time at ``center``, by default the current center (else
    the installation's zone). Services use :func:`core.clock.to_local`."""
    if center is None:
        from core.tenancy import current_center

        center = current_center()
    return clock.to_local(value, center)


KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def khmer_digits(text) -> str:
    return str(text).translate(KHMER_DIGITS)


def english(message) -> str:
    """``message`` (a lazy translation or an exception carrying one) in English: the command
    line speaks English, whatever the app's default language."""
    from flask_babel import force_locale

    with force_locale("en"):
        return str(message)
