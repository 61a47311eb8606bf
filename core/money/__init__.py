"""KHR/USD money: amounts and settlement (``amounts``), dated rates (``rates``), the rates
screen (``views``). See ``core/money/amounts.py`` for the rules."""

from core.money.amounts import (
    DECIMALS,
    KHR_SIGN,
    CurrencyMismatchError,
    Money,
    MoneyError,
    Settlement,
    Underpaid,
    cash_round,
    cash_rounding_step,
    format_minor,
    format_money,
    khr,
    khr_to_usd,
    parse,
    settle,
    usd,
    usd_to_khr,
)
from core.money.rates import ExchangeRate, rate_on, set_rate

__all__ = [
    "DECIMALS",
    "KHR_SIGN",
    "CurrencyMismatchError",
    "ExchangeRate",
    "Money",
    "MoneyError",
    "Settlement",
    "Underpaid",
    "cash_round",
    "cash_rounding_step",
    "format_minor",
    "format_money",
    "khr",
    "khr_to_usd",
    "parse",
    "rate_on",
    "set_rate",
    "settle",
    "usd",
    "usd_to_khr",
]
