"""KHR/USD money: amounts, parsing and formatting, dated exchange rates, cash rounding, change.

Rules (also in docs/services.md):

* An amount is an integer count of minor units with its currency: riel for ``KHR`` (no
  decimals), cents for ``USD`` (2 decimals). Never a float. Arithmetic mixes no currencies.
* Written amounts: digits grouped by three with commas, a dot before decimals, in both
  languages (as on Cambodian price tags and CLDR's ``km``); Khmer shows Khmer digits.
  ``12,400 ៛`` / ``$3.05`` in English, ``១២,៤០០ ៛`` / ``$៣.០៥`` in Khmer. A minus sign goes
  first: ``-$3.05``. :func:`parse` reads back everything :func:`format_money` writes.
* Conversion rounds half up (away from zero for negatives, so a refund mirrors its sale):
  USD→KHR to the whole riel (``cents * rate / 100``), KHR→USD to the cent.
* Cash rounding rounds a riel total half up to the step (100 riel by default,
  ``CTC_CASH_ROUNDING_STEP``): 12,450 → 12,500, 12,449 → 12,400. The difference is a line
  of its own, so lines + rounding = amount due, exactly.
* :func:`settle`: the sale is priced in riel; the customer pays riel, dollars or both (the
  dollars count at the day's rate, converted once on their sum). Change is riel, or with
  ``change_in="mixed"`` whole dollars plus riel for the part under one dollar. The rounding
  line is chosen so the riel change is a multiple of the step: the amount due is the number
  nearest to the total (ties upward) that leaves cash change - when every tender and the
  change are riel in whole steps, that is exactly :func:`cash_round`'s total. Hence, exactly,
  ``tender value − (total + rounding) = change value − shortfall``. Underpaying raises
  :class:`Underpaid` (with the shortfall and the would-be settlement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

DECIMALS = {"KHR": 0, "USD": 2}
KHR_SIGN = "\u17db"  # ៛
DEFAULT_CASH_STEP = 100
MAX_DIGITS = 15  # fits a BIGINT many times over; beyond this, a typo


class MoneyError(ValueError):
    """An amount, rate or payment refused; ``str(exc)`` is the user's message (translated)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class CurrencyMismatchError(MoneyError):
    """Riel and dollars met in one sum or comparison."""


def _currency_name(currency: str):
    return _l("riel") if currency == "KHR" else _l("US dollars")


@dataclass(frozen=True, slots=True)
class Money:
    """``minor`` riel or cents of ``currency`` ("KHR" or "USD")."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in DECIMALS:
            raise MoneyError(_l("Unknown currency %(code)s.", code=repr(self.currency)))
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"Money.minor must be an int, not {type(self.minor).__name__}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def decimals(self) -> int:
        return DECIMALS[self.currency]

    def _same(self, other: Money, verb: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(_l("Cannot %(verb)s %(a)s and %(b)s.", verb=verb,
                                           a=self.currency, b=other.currency))

    def __add__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "add")
        return Money(self.minor + other.minor, self.currency)

    def __radd__(self, other):  # sum() starts from 0
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "subtract")
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, factor):
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __bool__(self) -> bool:
        return self.minor != 0

    def _cmp(self, other) -> tuple[int, int]:
        if not isinstance(other, Money):
            raise TypeError(f"cannot compare Money with {type(other).__name__}")
        self._same(other, "compare")
        return self.minor, other.minor

    def __lt__(self, other) -> bool:
        a, b = self._cmp(other)
        return a < b

    def __le__(self, other) -> bool:
        a, b = self._cmp(other)
        return a <= b

    def __gt__(self, other) -> bool:
        a, b = self._cmp(other)
        return a > b

    def __ge__(self, other) -> bool:
        a, b = self._cmp(other)
        return a >= b

    def __str__(self) -> str:
        return format_money(self, "en")


def khr(riel: int) -> Money:
    return Money(riel, "KHR")


def usd(cents: int) -> Money:
    return Money(cents, "USD")


# -- parsing and formatting --------------------------------------------------------------

TO_ASCII = str.maketrans("០១២៣៤៥៦៧៨៩−", "0123456789-", "\u200b\u200c\u200d\u2060\ufeff")
TO_KHMER = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
MARKERS = {"$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
           "ដុល្លារ": "USD", KHR_SIGN: "KHR", "khr": "KHR", "riel": "KHR", "riels": "KHR",
           "រៀល": "KHR"}
_MARK = "|".join(re.escape(m) for m in sorted(MARKERS, key=len, reverse=True))
AMOUNT_RE = re.compile(
    rf"^(?P<s1>-)?\s*(?P<pre>{_MARK})?\s*(?P<s2>-)?\s*(?P<num>[0-9.,]+)\s*(?P<post>{_MARK})?$",
    re.IGNORECASE,
)
GROUPED_RE = re.compile(r"^\d{1,3}(,\d{3})+$")


def parse(text: str, currency: str, *, allow_negative: bool = False) -> Money:
    """Read an amount a person typed: ``12,400``, ``៛១២,៤០០``, ``$3.05``, ``3.05 USD``..."""
    if currency not in DECIMALS:
        raise MoneyError(_l("Unknown currency %(code)s.", code=repr(currency)))
    s = (text or "").translate(TO_ASCII).strip()
    if not s:
        raise MoneyError(_l("Enter an amount."))
    m = AMOUNT_RE.match(s)
    if m is None or (m["s1"] and m["s2"]):
        raise MoneyError(_l("This is not an amount: %(text)s", text=text.strip()))
    found = {MARKERS[x.lower()] for x in (m["pre"], m["post"]) if x}
    if len(found) > 1 or (found and found != {currency}):
        raise MoneyError(_l("This amount is not in %(currency)s.",
                            currency=_currency_name(currency)))
    num, decimals = m["num"], DECIMALS[currency]
    if num.count(".") > 1:
        raise MoneyError(_l("An amount has at most one decimal point."))
    whole, dot, frac = num.partition(".")
    if "," in frac or ("," in whole and not GROUPED_RE.match(whole)):
        raise MoneyError(_l("Group digits by three with commas (12,400); "
                            "write decimals after a dot (3.05)."))
    whole = whole.replace(",", "")
    if dot and decimals == 0:
        raise MoneyError(_l("Riel has no decimals."))
    if dot and not frac or not (whole or frac):
        raise MoneyError(_l("This is not an amount: %(text)s", text=text.strip()))
    if len(frac) > decimals:
        raise MoneyError(_l("US dollars have at most two decimals (cents)."))
    if len(whole.lstrip("0")) + decimals > MAX_DIGITS:
        raise MoneyError(_l("This amount is too large."))
    minor = int(whole or "0") * 10**decimals + int(frac.ljust(decimals, "0") or "0")
    if m["s1"] or m["s2"]:
        if minor and not allow_negative:
            raise MoneyError(_l("The amount cannot be negative."))
        minor = -minor
    return Money(minor, currency)


def format_money(m: Money, locale="en", *, symbol: bool = True) -> str:
    """``12,400 ៛`` / ``$3.05`` (``km``: ``១២,៤០០ ៛`` / ``$៣.០៥``); ``symbol=False``: digits."""
    places = m.decimals
    whole, frac = divmod(abs(m.minor), 10**places)
    digits = f"{whole:,}" + (f".{frac:0{places}d}" if places else "")
    if symbol:
        digits = "$" + digits if m.currency == "USD" else f"{digits} {KHR_SIGN}"
    text = ("-" if m.minor < 0 else "") + digits
    return text.translate(TO_KHMER) if str(locale or "en").startswith("km") else text


def format_minor(minor: int, currency: str, locale="en", *, symbol: bool = True) -> str:
    """:func:`format_money` of ``minor`` units of ``currency``: for amounts stored as a pair
    of columns (``cost_minor`` + ``currency``) or a riel column (``total_khr``, "KHR").

    ``minor`` is an int; a whole ``Decimal`` (what ``SUM()`` gives on PostgreSQL) is taken
    too; floats and fractions are refused (``TypeError``), as :class:`Money` does.
    """
    if isinstance(minor, Decimal) and minor == minor.to_integral_value():
        minor = int(minor)
    return format_money(Money(minor, currency), locale, symbol=symbol)


# -- rounding ------------------------------------------------------------------------------


def _div_half_up(n: int, d: int) -> int:
    """n / d rounded to the nearest integer, halves away from zero (d > 0)."""
    q = (2 * abs(n) + d) // (2 * d)
    return q if n >= 0 else -q


def cash_rounding_step() -> int:
    """The cash rounding step in riel: ``CTC_CASH_ROUNDING_STEP`` (default 100)."""
    step = current_app.config.get("CTC_CASH_ROUNDING_STEP") if has_app_context() else None
    return int(step or DEFAULT_CASH_STEP)


def _check_step(step: int) -> int:
    if not isinstance(step, int) or step < 1:
        raise MoneyError(_l("The cash rounding step must be a whole number of riel."))
    return step


def cash_round(total_khr: Money, step: int | None = None) -> tuple[Money, Money]:
    """(rounded total, rounding line): half up to ``step`` riel; total + line == rounded."""
    if total_khr.currency != "KHR":
        raise CurrencyMismatchError(_l("Cash rounding applies to riel."))
    step = _check_step(step if step is not None else cash_rounding_step())
    rounded = Money(_div_half_up(total_khr.minor, step) * step, "KHR")
    return rounded, rounded - total_khr


def _rate_value(rate) -> int:
    value = getattr(rate, "khr_per_usd", rate)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise MoneyError(_l("An exchange rate is a positive whole number of riel per dollar."))
    return value


def usd_to_khr(m: Money, rate) -> Money:
    """Dollars in riel at ``rate`` (riel per dollar, or an ExchangeRate), half up to the riel."""
    if m.currency != "USD":
        raise CurrencyMismatchError(_l("Expected US dollars."))
    return Money(_div_half_up(m.minor * _rate_value(rate), 100), "KHR")


def khr_to_usd(m: Money, rate) -> Money:
    """Riel in dollars at ``rate``, half up to the cent."""
    if m.currency != "KHR":
        raise CurrencyMismatchError(_l("Expected riel."))
    return Money(_div_half_up(m.minor * 100, _rate_value(rate)), "USD")


# -- settling a payment -------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """How a riel total was paid: every amount exact, every riel accounted for."""

    total: Money           # the sum of the lines (KHR)
    rounding: Money        # the cash rounding line (KHR, may be negative)
    rate: int              # riel per dollar used for every conversion here
    step: int              # the cash rounding step
    tendered_khr: Money
    tendered_usd: Money
    tender_value: Money    # KHR: riel tendered + dollars tendered at the rate
    change_khr: Money
    change_usd: Money      # whole dollars (cents divisible by 100)
    change_value: Money    # KHR: change_khr + change_usd at the rate
    shortfall: Money       # KHR still owed; zero in every settlement settle() returns

    @property
    def amount_due(self) -> Money:
        return self.total + self.rounding

    def as_dict(self) -> dict:
        """Plain integers (riel, cents) for a JSON column or a receipt."""
        out = {"rate": self.rate, "step": self.step}
        for name in ("total", "rounding", "tendered_khr", "tendered_usd", "tender_value",
                     "change_khr", "change_usd", "change_value", "shortfall"):
            out[name] = getattr(self, name).minor
        return out


class Underpaid(MoneyError):
    """The tender does not cover the amount due; ``shortfall`` says how much more (KHR)."""

    def __init__(self, settlement: Settlement) -> None:
        self.settlement = settlement
        self.shortfall = settlement.shortfall
        amount = format_money(settlement.shortfall, _current_locale())
        super().__init__(_l("%(amount)s more is due.", amount=amount))


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en") if has_app_context() else "en"


def _round_into_class(total: int, value: int, step: int) -> int:
    """The rounding d such that value − (total + d) is a multiple of step, |d| ≤ step/2,
    ties upward (the amount due rounds half up, as cash_round does)."""
    r = (value - total) % step
    return r if 2 * r <= step else r - step


def settle(total_khr: Money, tendered: list[Money], rate, cash_step: int | None = None, *,
           change_in: str = "KHR") -> Settlement:
    """Settle a riel total paid with riel and/or dollars; see the module docstring."""
    if total_khr.currency != "KHR" or total_khr.minor < 0:
        raise MoneyError(_l("A sale total is a positive amount of riel."))
    if change_in not in ("KHR", "mixed"):
        raise MoneyError(_l("Change is given in riel or mixed."))
    rate = _rate_value(rate)
    step = _check_step(cash_step if cash_step is not None else cash_rounding_step())
    paid = {"KHR": Money.zero("KHR"), "USD": Money.zero("USD")}
    for t in tendered:
        if t.minor < 0:
            raise MoneyError(_l("A tender cannot be negative."))
        paid[t.currency] += t
    value = paid["KHR"] + usd_to_khr(paid["USD"], rate)
    total = total_khr.minor

    def split(dollars: int) -> tuple[int, int]:  # -> (rounding, riel change)
        rest = value.minor - dollars * rate
        d = _round_into_class(total, rest, step)
        return d, rest - total - d

    dollars, (rounding, riel) = 0, split(0)
    if change_in == "mixed" and riel >= rate:
        # The most whole dollars that leave a non-negative riel part (which is then < rate).
        dollars = riel // rate + 1
        while split(dollars)[1] < 0:
            dollars -= 1
        rounding, riel = split(dollars)
    shortfall = max(-riel, 0)
    result = Settlement(
        total=total_khr, rounding=khr(rounding), rate=rate, step=step,
        tendered_khr=paid["KHR"], tendered_usd=paid["USD"], tender_value=value,
        change_khr=khr(max(riel, 0)), change_usd=usd(dollars * 100),
        change_value=khr(max(riel, 0) + dollars * rate), shortfall=khr(shortfall),
    )
    if shortfall:
        raise Underpaid(result)
    return result
