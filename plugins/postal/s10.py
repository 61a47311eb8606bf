"""UPU S10 item identifiers: ``RR473124829KH``.

Two letters of service indicator, an eight-digit serial, a check digit, and the ISO 3166-1
alpha-2 code of the issuing country. The check digit weighs the serial with 8 6 4 2 3 5 9 7;
``11 - (sum mod 11)``, where 10 becomes 0 and 11 becomes 5 (UPU S10, part A).

Everything a person types (tracking, lookup) goes through :func:`normalize`, which either
returns the canonical 13-character form or raises ``ValueError`` saying what is wrong.
"""

from __future__ import annotations

import re
import string

import pycountry

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
ASCII_DIGITS = frozenset(string.digits)
ASCII_UPPER = frozenset(string.ascii_uppercase)

# Service indicators the UPU has assigned (S10 standard, service indicator table). First
# letters with every second letter allowed:
_WHOLE_LETTERS = frozenset("BCDEHLMNPRUVZ")
# Partly assigned first letters: the allowed second letters.
_PARTIAL = {
    "A": frozenset("VWXYZ"),  # AV-AZ: domestic/bilateral (RFID-tracked e-commerce)
    "G": frozenset("AD"),  # GA, GD: domestic/bilateral
    "Q": frozenset("ABCDEFGHIJKLM"),  # QA-QM: international reply coupons
}
# F, I, O and most of A, G, Q are unassigned; J, K, S, T, W, X, Y are reserved.
RESERVED_LETTERS = frozenset("JKSTWXY")

# What the counter issues, by kind of service.
INDICATOR_BY_KIND = {"ems": "EE", "registered": "RR", "parcel": "CP"}

_SEPARATORS = re.compile(r"[\s\-\u00a0\u200b]+")


class S10Error(ValueError):
    """Why a typed S10 number is refused: ``key`` names the rule, ``params`` its values
    (screens translate the reason from them; ``str()`` is the English sentence)."""

    def __init__(self, message: str, key: str, **params):
        super().__init__(message)
        self.key = key
        self.params = params


def check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial (ASCII digits only)."""
    if len(serial) != 8 or not set(serial) <= ASCII_DIGITS:
        raise ValueError("the serial number must be exactly 8 digits 0-9")
    total = sum(int(d) * w for d, w in zip(serial, WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 10:
        return 0
    if digit == 11:
        return 5
    return digit


def indicator_allowed(indicator: str) -> bool:
    """Whether ``indicator`` (two upper-case ASCII letters) is assigned by the UPU."""
    if len(indicator) != 2 or not set(indicator) <= ASCII_UPPER:
        return False
    first, second = indicator
    if first in _WHOLE_LETTERS:
        return True
    return second in _PARTIAL.get(first, ())


def country_known(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def make(indicator: str, serial: int | str, country: str = "KH") -> str:
    """Build an identifier from its parts (the serial as a number or 8 digits)."""
    serial_text = f"{int(serial):08d}" if isinstance(serial, int) else serial
    if isinstance(serial, int) and not 0 <= serial <= 99_999_999:
        raise ValueError("the serial number must be between 0 and 99999999")
    indicator = indicator.upper()
    if not indicator_allowed(indicator):
        raise ValueError(f"{indicator!r} is not an assigned S10 service indicator")
    if not country_known(country):
        raise ValueError(f"{country!r} is not an ISO 3166 country code")
    return f"{indicator}{serial_text}{check_digit(serial_text)}{country}"


def normalize(text: str) -> str:
    """The canonical 13-character identifier, or ``ValueError`` with the reason."""
    if not isinstance(text, str):
        raise S10Error("an S10 number is text", "type")
    code = _SEPARATORS.sub("", text).upper()
    if not code:
        raise S10Error("the number is empty", "empty")
    if len(code) != 13:
        raise S10Error("an S10 number has 13 characters (2 letters, 9 digits, 2 letters); "
                       f"this one has {len(code)}", "length", n=len(code))
    indicator, serial, check, country = code[:2], code[2:10], code[10], code[11:]
    digits = serial + check
    if any(ch.isdigit() and ch not in ASCII_DIGITS for ch in digits):
        raise S10Error("the number contains non-ASCII digits; type the digits 0-9", "non_ascii")
    if not set(digits) <= ASCII_DIGITS:
        raise S10Error("characters 3 to 11 must be the digits 0-9", "digits")
    if not set(indicator) <= ASCII_UPPER or not set(country) <= ASCII_UPPER:
        raise S10Error("the number must start and end with two letters A-Z", "letters")
    if not indicator_allowed(indicator):
        if indicator[0] in RESERVED_LETTERS:
            raise S10Error(f"the service indicator {indicator} is reserved by the UPU",
                           "reserved", indicator=indicator)
        raise S10Error(f"the service indicator {indicator} is not assigned by the UPU",
                       "unassigned", indicator=indicator)
    if not country_known(country):
        raise S10Error(f"{country} is not an ISO 3166 country code", "country", country=country)
    expected = check_digit(serial)
    if int(check) != expected:
        raise S10Error(f"wrong check digit: {check} where {expected} was expected", "check",
                       got=check, expected=expected)
    return code


def is_valid(code: str) -> bool:
    """Whether ``code`` is already a canonical, valid identifier (no normalisation)."""
    try:
        return normalize(code) == code
    except ValueError:
        return False


def grouped(code: str) -> str:
    """The readable form printed under a barcode: ``RR 473 124 829 GB``."""
    return f"{code[:2]} {code[2:5]} {code[5:8]} {code[8:11]} {code[11:]}"
