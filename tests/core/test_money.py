"""core/money: amounts, parsing, formatting, conversion, cash rounding, change, rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from flask_babel import force_locale, gettext
from hypothesis import given, settings
from hypothesis import strategies as st

from core.extensions import db
from core.money import (
    CurrencyMismatchError,
    ExchangeRate,
    Money,
    MoneyError,
    Underpaid,
    cash_round,
    format_minor,
    format_money,
    khr,
    khr_to_usd,
    parse,
    rate_on,
    set_rate,
    settle,
    usd,
    usd_to_khr,
)
from tests.conftest import login

# -- Money ---------------------------------------------------------------------------------


def test_arithmetic_within_one_currency():
    assert khr(12_400) + khr(600) == khr(13_000)
    assert usd(305) - usd(5) == usd(300)
    assert usd(305) * 3 == 3 * usd(305) == usd(915)
    assert -khr(5) == khr(-5) and abs(khr(-5)) == khr(5)
    assert sum([khr(1), khr(2)]) == khr(3)
    assert khr(1) < khr(2) <= khr(2) and usd(3) > usd(2) >= usd(2)
    assert not khr(0) and usd(1)
    assert khr(5) != usd(5)  # different currencies are different amounts, never equal


@pytest.mark.parametrize("op", [
    lambda: khr(1) + usd(1), lambda: khr(1) - usd(1), lambda: khr(1) < usd(1),
    lambda: usd(1) >= khr(1),
])
def test_mixing_currencies_raises(op):
    with pytest.raises(CurrencyMismatchError):
        op()


def test_no_floats_anywhere():
    with pytest.raises(TypeError):
        Money(1.5, "USD")
    with pytest.raises(TypeError):
        usd(100) * 1.5
    with pytest.raises(TypeError):
        Money(True, "KHR")
    with pytest.raises(MoneyError):
        Money(1, "EUR")


# -- parse -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, currency, minor", [
    ("12,400", "KHR", 12_400), ("12400", "KHR", 12_400), ("  12,400  ", "KHR", 12_400),
    ("៛12,400", "KHR", 12_400), ("12,400 ៛", "KHR", 12_400), ("១២,៤០០", "KHR", 12_400),
    ("១២,៤០០ ៛", "KHR", 12_400), ("12,400 KHR", "KHR", 12_400), ("12400 រៀល", "KHR", 12_400),
    ("1,234,567", "KHR", 1_234_567), ("0", "KHR", 0), ("\u200b12,400\u00a0", "KHR", 12_400),
    ("3.05", "USD", 305), ("$3.05", "USD", 305), ("3.05 USD", "USD", 305), ("3.5", "USD", 350),
    ("3", "USD", 300), ("$៣.០៥", "USD", 305), ("US$ 1,000.00", "USD", 100_000),
    ("usd 3.05", "USD", 305), (".50", "USD", 50), ("-0", "KHR", 0),
])
def test_parse_accepts(text, currency, minor):
    assert parse(text, currency) == Money(minor, currency)


def test_parse_negative_only_when_allowed():
    with pytest.raises(MoneyError, match="negative"):
        parse("-5", "KHR")
    assert parse("-$3.05", "USD", allow_negative=True) == usd(-305)
    assert parse("$-3.05", "USD", allow_negative=True) == usd(-305)
    assert parse("−12,400 ៛", "KHR", allow_negative=True) == khr(-12_400)


@pytest.mark.parametrize("text, currency, message", [
    ("", "KHR", "Enter an amount"), ("   ", "USD", "Enter an amount"),
    (None, "KHR", "Enter an amount"),
    ("12.5", "KHR", "Riel has no decimals"), ("12.400", "KHR", "Riel has no decimals"),
    ("3.055", "USD", "at most two decimals"), ("3.050", "USD", "at most two decimals"),
    ("abc", "KHR", "not an amount"), ("$", "USD", "not an amount"), ("1e5", "KHR", "not an amount"),
    ("12 400", "KHR", "not an amount"), ("--5", "KHR", "not an amount"),
    ("- $-5", "USD", "not an amount"), ("3.", "USD", "not an amount"),
    ("1.2.3", "USD", "one decimal point"), ("1,23", "KHR", "Group digits"),
    ("12,40,0", "KHR", "Group digits"), ("3,05", "USD", "Group digits"),
    (",400", "KHR", "Group digits"), ("1.000,50", "USD", "Group digits"),
    ("$3.05", "KHR", "not in riel"), ("12,400 ៛", "USD", "not in US dollars"),
    ("$3 ៛", "USD", "not in US dollars"), ("9" * 16, "KHR", "too large"),
])
def test_parse_rejects_with_a_clear_message(text, currency, message):
    with pytest.raises(MoneyError, match=message) as info:
        parse(text, currency)
    assert isinstance(info.value, ValueError)


def test_error_messages_work_inside_and_outside_a_request(app):
    with pytest.raises(MoneyError) as info:
        parse("12.5", "KHR")
    assert str(info.value) == "Riel has no decimals."  # no app context at all
    with app.test_request_context("/", headers={"Accept-Language": "km"}):
        with pytest.raises(MoneyError) as info:
            parse("12.5", "KHR")
        assert str(info.value) == gettext("Riel has no decimals.")  # the Khmer catalogue's


# -- format ------------------------------------------------------------------------------------


@pytest.mark.parametrize("m, locale, text", [
    (khr(12_400), "en", "12,400 ៛"), (usd(305), "en", "$3.05"), (khr(12_400), "km", "១២,៤០០ ៛"),
    (usd(305), "km", "$៣.០៥"), (usd(-305), "en", "-$3.05"), (khr(-5), "km", "-៥ ៛"),
    (usd(100_000_00), "en", "$100,000.00"), (khr(0), "en", "0 ៛"), (usd(5), "km_KH", "$០.០៥"),
])
def test_format(m, locale, text):
    assert format_money(m, locale) == text


def test_format_without_symbol():
    assert format_money(khr(12_400), symbol=False) == "12,400"
    assert format_money(usd(305), "km", symbol=False) == "៣.០៥"


def test_format_minor_takes_a_stored_pair():
    assert format_minor(12_400, "KHR") == "12,400 ៛"
    assert format_minor(305, "USD", "km") == "$៣.០៥"
    assert format_minor(-305, "USD", symbol=False) == "-3.05"
    assert format_minor(Decimal(12_400), "KHR") == "12,400 ៛"  # SUM() on PostgreSQL
    for wrong in (3.05, Decimal("3.05"), "305"):
        with pytest.raises(TypeError):
            format_minor(wrong, "USD")
    with pytest.raises(MoneyError):
        format_minor(1, "EUR")


@pytest.mark.parametrize("lang, riel, dollars", [
    ("en", "12,400 ៛", "$3.05"), ("km", "១២,៤០០ ៛", "$៣.០៥")])
def test_the_money_filter_speaks_the_screens_language(app, lang, riel, dollars):
    from flask import render_template_string

    with app.test_request_context(f"/?lang={lang}"):
        render = lambda source, **kw: render_template_string(source, **kw)  # noqa: E731
        assert render("{{ m|money }}", m=khr(12_400)) == riel
        assert render("{{ n|money('KHR') }}", n=12_400) == riel
        assert render("{{ n|money(c) }}", n=305, c="USD") == dollars
        assert render("{{ n|money('USD', false) }}|{{ m|money(false) }}", n=305,
                      m=usd(305)) == f"{dollars[1:]}|{dollars[1:]}"
        assert render("{{ n|money('USD', symbol=false) }}", n=305) == dollars[1:]
        assert render("{{ none|money('KHR') or '-' }}|{{ none|money }}") == "-|"
        with pytest.raises(TypeError):
            render("{{ n|money }}", n=305)  # a bare number has no currency
        with pytest.raises(ValueError):
            render("{{ m|money('USD') }}", m=khr(1))


amounts = st.builds(Money, st.integers(-(10**13), 10**13), st.sampled_from(["KHR", "USD"]))


@given(amounts, st.sampled_from(["en", "km"]), st.booleans())
def test_parse_reads_back_what_format_writes(m, locale, symbol):
    assert parse(format_money(m, locale, symbol=symbol), m.currency, allow_negative=True) == m


# -- conversion --------------------------------------------------------------------------------


def half_up(x: Fraction) -> int:
    """Reference: the nearest integer, halves away from zero."""
    n = abs(x)
    whole = int(n)
    r = whole + 1 if n - whole >= Fraction(1, 2) else whole
    return r if x >= 0 else -r


def test_conversion_examples_at_half():
    assert usd_to_khr(usd(100), 4100) == khr(4100)
    assert usd_to_khr(usd(1), 4150) == khr(42)    # 41.50 riel → 42
    assert usd_to_khr(usd(1), 4149) == khr(41)    # 41.49 → 41
    assert usd_to_khr(usd(-1), 4150) == khr(-42)  # a refund mirrors the sale
    assert khr_to_usd(khr(2050), 4100) == usd(50)
    assert khr_to_usd(khr(41), 8200) == usd(1)    # 0.5 cent → 1 cent
    assert khr_to_usd(khr(40), 8200) == usd(0)
    assert khr_to_usd(khr(-41), 8200) == usd(-1)
    with pytest.raises(CurrencyMismatchError):
        usd_to_khr(khr(1), 4100)
    with pytest.raises(MoneyError):
        usd_to_khr(usd(1), 0)


@given(st.integers(-(10**9), 10**9), st.integers(1, 20_000))
def test_usd_to_khr_rounds_half_up_to_the_riel(cents, rate):
    assert usd_to_khr(usd(cents), rate) == khr(half_up(Fraction(cents * rate, 100)))


@given(st.integers(-(10**11), 10**11), st.integers(1, 20_000))
def test_khr_to_usd_rounds_half_up_to_the_cent(riel, rate):
    assert khr_to_usd(khr(riel), rate) == usd(half_up(Fraction(riel * 100, rate)))


@given(st.integers(0, 10**6), st.sampled_from([100, 200, 4100, 4150, 8200]))
def test_exact_halves_round_up(k, rate):
    # cents whose riel value ends in exactly half a riel
    cents = (2 * k + 1) * 50
    if cents * rate % 100 == 50:
        assert usd_to_khr(usd(cents), rate).minor == (cents * rate + 50) // 100


# -- cash rounding -----------------------------------------------------------------------------


def test_cash_round_examples(app):
    assert cash_round(khr(12_450)) == (khr(12_500), khr(50))
    assert cash_round(khr(12_449)) == (khr(12_400), khr(-49))
    assert cash_round(khr(12_400)) == (khr(12_400), khr(0))
    assert cash_round(khr(12_449), 500) == (khr(12_500), khr(51))
    assert cash_round(khr(-12_450)) == (khr(-12_500), khr(-50))
    with app.app_context():
        app.config["CTC_CASH_ROUNDING_STEP"] = 1000
        assert cash_round(khr(12_450)) == (khr(12_000), khr(-450))
    with pytest.raises(CurrencyMismatchError):
        cash_round(usd(5))


@given(st.integers(-(10**12), 10**12), st.integers(1, 10_000))
def test_cash_round_is_exact(total, step):
    rounded, line = cash_round(khr(total), step)
    assert khr(total) + line == rounded
    assert rounded.minor % step == 0
    assert 2 * abs(line.minor) <= step
    if 2 * (total % step) == step and total >= 0:
        assert line.minor == step // 2  # ties go up


# -- settle ------------------------------------------------------------------------------------


def test_settle_in_riel():
    s = settle(khr(12_450), [khr(20_000)], 4100)
    assert (s.rounding, s.amount_due, s.change_khr, s.change_usd) == (
        khr(50), khr(12_500), khr(7_500), usd(0))
    s = settle(khr(12_449), [khr(10_000), khr(5_000)], 4100)
    assert (s.rounding, s.change_khr) == (khr(-49), khr(2_600))


def test_settle_in_dollars_gives_riel_change_by_default():
    s = settle(khr(12_400), [usd(500)], 4100)
    assert s.tender_value == khr(20_500) and s.change_khr == khr(8_100) and s.change_usd == usd(0)


def test_settle_mixed_change():
    s = settle(khr(12_400), [usd(1000)], 4100, change_in="mixed")
    assert s.change_usd == usd(600) and s.change_khr == khr(4_000)
    assert s.change_value == khr(28_600)


def test_settle_mixed_with_a_rate_that_is_not_a_round_number():
    s = settle(khr(12_400), [usd(1000)], 4110, change_in="mixed")  # 41,100 tendered
    assert s.change_usd == usd(600)  # 24,660 riel
    assert s.change_khr.minor % 100 == 0 and s.change_khr.minor < 4110
    assert s.tender_value - s.amount_due == s.change_value


def test_settle_mixed_change_may_round_the_riel_part():
    # 1,000,000 riel of change at 3,500: $285 (997,500) + 2,500 riel, paid as 2,000 riel
    s = settle(khr(0), [khr(1_000_000)], 3500, 1000, change_in="mixed")
    assert (s.change_usd, s.change_khr, s.rounding) == (usd(28_500), khr(2_000), khr(500))
    assert s.tender_value - s.amount_due == s.change_value


def test_settle_exact_dollars_needs_no_rounding():
    s = settle(khr(20_550), [usd(500)], 4110)
    assert s.rounding == khr(0) and s.change_value == khr(0)


def test_settle_both_currencies():
    s = settle(khr(50_000), [usd(1000), khr(10_000)], 4100)
    assert s.tendered_usd == usd(1000) and s.tendered_khr == khr(10_000)
    assert s.tender_value == khr(51_000) and s.change_khr == khr(1_000)
    assert s.as_dict()["change_khr"] == 1_000


def test_settle_refuses_underpayment():
    with pytest.raises(Underpaid) as info:
        settle(khr(12_450), [khr(12_400)], 4100)
    assert info.value.shortfall == khr(100)
    assert "100" in str(info.value)
    with pytest.raises(Underpaid) as info:
        settle(khr(12_400), [usd(300)], 4100)
    assert info.value.shortfall == khr(100)
    assert isinstance(info.value, MoneyError)


def test_settle_rejects_bad_input():
    with pytest.raises(MoneyError):
        settle(usd(5), [usd(5)], 4100)
    with pytest.raises(MoneyError):
        settle(khr(5), [khr(-5)], 4100)
    with pytest.raises(MoneyError):
        settle(khr(5), [khr(5)], 4100, change_in="USD")


tenders = st.lists(
    st.one_of(st.builds(khr, st.integers(0, 500_000)), st.builds(usd, st.integers(0, 50_000))),
    max_size=4,
)


@settings(max_examples=300)
@given(st.integers(0, 2_000_000), tenders, st.integers(3_500, 4_500),
       st.sampled_from([1, 50, 100, 500, 1000]), st.sampled_from(["KHR", "mixed"]))
def test_settle_never_loses_or_makes_a_riel(total, tendered, rate, step, change_in):
    try:
        s = settle(khr(total), tendered, rate, step, change_in=change_in)
    except Underpaid as exc:
        s = exc.settlement
        assert s.shortfall.minor > 0 and s.change_value == khr(0)
    else:
        assert s.shortfall == khr(0)
    paid_usd = sum((t for t in tendered if t.currency == "USD"), usd(0))
    paid_khr = sum((t for t in tendered if t.currency == "KHR"), khr(0))
    assert s.tender_value == paid_khr + usd_to_khr(paid_usd, rate)
    # the invariant, exactly
    assert s.tender_value - (s.total + s.rounding) == s.change_value - s.shortfall
    assert s.change_value == s.change_khr + khr(s.change_usd.minor // 100 * rate)
    assert s.change_usd.minor % 100 == 0 and s.change_khr.minor % step == 0
    assert s.shortfall.minor % step == 0
    assert 2 * abs(s.rounding.minor) <= step
    if change_in == "KHR":
        assert s.change_usd == usd(0)
    else:
        assert s.change_khr.minor < rate  # dollars wherever a whole dollar fits
    if not paid_usd and not s.change_usd and all(t.minor % step == 0 for t in tendered):
        assert s.rounding == cash_round(khr(total), step)[1]


# -- exchange rates ----------------------------------------------------------------------------


def test_rate_on_picks_the_latest_valid_rate(app, factory):
    a, b = factory.center("PP-01"), factory.center("SR-02")
    with app.app_context(), force_locale("en"):
        set_rate(a, date(2026, 1, 1), 4100)
        set_rate(a, date(2026, 3, 1), 4050)
        set_rate(b, date(2025, 1, 1), 3900)
        db.session.commit()
        assert rate_on(a, date(2026, 2, 28)).khr_per_usd == 4100
        assert rate_on(a, date(2026, 3, 1)).khr_per_usd == 4050
        assert rate_on(a, date(2030, 1, 1)).khr_per_usd == 4050
        assert rate_on(a, datetime(2026, 2, 28, 17, 0)).khr_per_usd == 4050  # 1 March there
        assert rate_on(b).khr_per_usd == 3900  # today, at b
        with pytest.raises(MoneyError, match="No exchange rate"):
            rate_on(a, date(2025, 12, 31))  # b's older rate is not a's
        with pytest.raises(MoneyError, match="exists already"):
            set_rate(a, date(2026, 1, 1), 4000)
        with pytest.raises(MoneyError):
            set_rate(a, date(2026, 5, 1), 0)
        rate = rate_on(a, date(2026, 1, 1))
        assert usd_to_khr(usd(100), rate) == khr(4100)


def _manager(factory, code="PP-01", username="sokha", role="manager"):
    center = factory.center(code)
    factory.user(username, center_id=center, role=role)
    return center


def test_manager_adds_and_corrects_a_rate(app, client, factory):
    from core.audit import AuditLog

    center = _manager(factory)
    login(client, "sokha")
    page = client.get("/money/rates", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b"No exchange rate yet" in page.data
    response = client.post("/money/rates",
                           data={"valid_from": "2026-01-01", "khr_per_usd": "៤,១០០"})
    assert response.status_code == 302
    with app.app_context():
        rate = db.session.execute(db.select(ExchangeRate)).scalar_one()
        assert (rate.center_id, rate.valid_from) == (center, date(2026, 1, 1))
        assert rate.khr_per_usd == 4100
        assert rate.created_by.username == "sokha"
        rate_id = rate.id
    page = client.get("/money/rates", headers={"Accept-Language": "km"})
    assert "៤,១០០ ៛".encode() in page.data
    response = client.post(f"/money/rates/{rate_id}/edit",
                           data={"valid_from": "2026-01-01", "khr_per_usd": "4,050"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ExchangeRate, rate_id).khr_per_usd == 4050
        log = db.session.execute(db.select(AuditLog).where(AuditLog.object_type == "exchange_rate")
                                 .order_by(AuditLog.id)).scalars().all()
        assert [row.action for row in log] == ["create", "update"]
        assert log[1].changes["khr_per_usd"] == [4100, 4050]
        assert log[1].center_id == center


@pytest.mark.parametrize("typed, message", [
    ("4.1", b"Riel has no decimals"), ("41,000", b"A rate between"),
    ("", b"This field is required"),
    ("abc", b"This is not an amount"),
])
def test_a_failed_form_keeps_what_was_typed(client, factory, typed, message):
    _manager(factory)
    login(client, "sokha")
    page = client.post("/money/rates", data={"valid_from": "2026-02-03", "khr_per_usd": typed},
                       headers={"Accept-Language": "en"})
    assert page.status_code == 200 and message in page.data
    assert b'value="2026-02-03"' in page.data
    if typed:
        assert f'value="{typed}"'.encode() in page.data


def test_the_same_day_twice_is_refused_on_the_form(client, factory):
    _manager(factory)
    login(client, "sokha")
    client.post("/money/rates", data={"valid_from": "2026-01-01", "khr_per_usd": "4100"})
    page = client.post("/money/rates", data={"valid_from": "2026-01-01", "khr_per_usd": "4200"},
                       headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b"exists already" in page.data


def test_rates_belong_to_their_center(app, client, factory):
    _manager(factory)
    other = factory.center("SR-02")
    with app.app_context():
        rate = set_rate(other, date(2026, 1, 1), 3999)
        db.session.commit()
        rate_id = rate.id
    login(client, "sokha")
    assert client.get(f"/money/rates/{rate_id}/edit").status_code == 404
    assert client.post(f"/money/rates/{rate_id}/edit",
                       data={"valid_from": "2026-01-01", "khr_per_usd": "4000"}).status_code == 404
    assert b"3,999" not in client.get("/money/rates", headers={"Accept-Language": "en"}).data


def test_only_managers_set_rates(app, client, factory):
    _manager(factory, username="dara", role="clerk")
    assert app.test_client().get("/money/rates").status_code == 302  # to the login page
    login(client, "dara")
    assert client.get("/money/rates").status_code == 403
    assert client.post("/money/rates", data={"valid_from": "2026-01-01",
                                             "khr_per_usd": "4100"}).status_code == 403
