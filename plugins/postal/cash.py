"""The counter's view of :mod:`core.money`: plain integers (riel, cents) in and out."""

from __future__ import annotations

from core import money
from core.money import MoneyError, Settlement, Underpaid  # noqa: F401 - re-exported


def usd_to_khr(cents: int, rate: int) -> int:
    return money.usd_to_khr(money.usd(cents), rate).minor


def khr_to_usd(riel: int, rate: int) -> int:
    return money.khr_to_usd(money.khr(riel), rate).minor


def to_khr(minor: int, currency: str, rate: int) -> int:
    return minor if currency == "KHR" else usd_to_khr(minor, rate)


def vat_of(net_khr: int, vat_bp: int) -> int:
    """VAT on a net riel amount, half up to the riel (``vat_bp``: basis points, 1000 = 10 %)."""
    n, d = net_khr * vat_bp, 10000
    q = (2 * abs(n) + d) // (2 * d)
    return q if n >= 0 else -q


def settle(total_khr: int, tendered_khr: int, tendered_usd: int, rate: int) -> Settlement:
    """Settle a riel total paid in riel, dollars or both (core's rules). Change comes in
    whole dollars plus riel for the part under one dollar when dollars were tendered, in
    riel otherwise. Raises :class:`core.money.Underpaid` (``.shortfall``) when short."""
    return money.settle(money.khr(total_khr), [money.khr(tendered_khr), money.usd(tendered_usd)],
                        rate, change_in="mixed" if tendered_usd else "KHR")
