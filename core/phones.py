"""Phone numbers: one way to read what people type, store it, and show it.

Numbers are stored in E.164 (``+85512345678``). :func:`normalise` reads what a person
types (Khmer or Latin digits, spaces, dashes, dots, brackets, ``+855``, ``00855`` or a
leading ``0``) and refuses anything that is not a valid number of the region it is read
in; :func:`display` writes a stored number back for people. Built on ``phonenumbers``
(Google's libphonenumber data), so what is valid follows the numbering plans.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from flask_babel import lazy_gettext as _l

DEFAULT_REGION = "KH"
MAX_INPUT = 40  # characters: longer is never a phone number, and parsing is not free
KH_EXAMPLE = "012 345 678"

# Spaces that do not show (zero-width, word joiner, byte-order mark): pasted text carries them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# After the digits are made ASCII: an optional leading +, then digits and separators only.
# Letters are refused: libphonenumber would read "012 34S 678" as a keypad word.
_SHAPE = re.compile(r"^\(?\+?[0-9\s\-.()/]*[0-9][0-9\s\-.()/]*$")


class PhoneError(ValueError):
    """A number refused; ``str(exc)`` is the user's message (translated, also outside a
    request), ``exc.message`` the lazy string for a form's errors."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _region(region: str | None) -> str:
    return (region or DEFAULT_REGION).strip().upper()


def _example(region: str) -> str:
    if region == DEFAULT_REGION:
        return KH_EXAMPLE
    number = (phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
              or phonenumbers.example_number(region))
    if number is None:
        return "+855 12 345 678"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _refused(region: str) -> PhoneError:
    return PhoneError(_l("Enter a valid phone number, e.g. %(example)s.",
                         example=_example(region)))


def _ascii(text: str) -> str:
    """Any decimal digit (Khmer ០-៩, full-width...) as ASCII; full-width plus as '+'."""
    out = []
    for char in text.translate(_INVISIBLE):
        value = unicodedata.decimal(char, None)
        out.append(str(value) if value is not None else ("+" if char == "\uff0b" else char))
    return "".join(out).strip()


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise(text: str | None, region: str | None = DEFAULT_REGION) -> str:
    """The E.164 form of what was typed; ``""`` for nothing typed.

    A number without a country code is read as a number of ``region`` (an ISO 3166 code,
    Cambodia by default). ``00`` before a country code works as ``+`` does, even where the
    region dials abroad with another prefix (Cambodia's is 001). Raises :class:`PhoneError`
    ("Enter a valid phone number, e.g. 012 345 678.") for anything else.
    """
    region = _region(region)
    cleaned = _ascii(text or "")
    if not cleaned:
        return ""
    if len(cleaned) > MAX_INPUT or not _SHAPE.match(cleaned):
        raise _refused(region)
    number = _parse(cleaned, region)
    if number is None and cleaned.startswith("00"):
        number = _parse("+" + cleaned[2:], region)
    if number is None:
        raise _refused(region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid(text: str | None, region: str | None = DEFAULT_REGION) -> bool:
    """Whether :func:`normalise` accepts ``text`` (nothing typed counts as valid)."""
    try:
        normalise(text, region)
    except PhoneError:
        return False
    return True


def display(e164: str | None, region: str | None = DEFAULT_REGION, *,
            international: bool = False) -> str:
    """A stored number for people: the national form for a number of ``region``
    (``012 345 678``), the international one otherwise (``+66 81 234 5678``), or always
    with ``international`` (papers that cross a border: a customs form, a label abroad).

    ``""`` stays ``""``; a value that is not a valid number (an old record) is shown as
    it is.
    """
    e164 = (e164 or "").strip()
    if not e164:
        return ""
    region = _region(region)
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_valid_number(number):
        return e164
    same_country = number.country_code == phonenumbers.country_code_for_region(region)
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if same_country and not international
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)
