"""The sale: pricing at the rate, VAT, mixed payments and change, receipt numbers, S10
numbers, stock; till totals after voids and refunds."""

import re

import pytest

from core.extensions import db
from plugins.postal import s10
from plugins.postal.models import Sale
from plugins.postal.services_sales import (
    SaleError,
    create_sale,
    refund_sale,
    void_sale,
)
from plugins.postal.services_till import (
    TillError,
    close_till,
    move_cash,
    open_till,
    till_totals,
)
from tests.plugins.postal.conftest import ADDRESSEE, SENDER

RATE = 4100


@pytest.fixture
def till(ctx):
    till = open_till(db.session, ctx.center, ctx.clerk, float_khr=100_000, float_usd=2_000)
    db.session.commit()
    return till


def sell(ctx, till, lines, khr=0, usd=0, rate=RATE):
    return create_sale(db.session, ctx.center, till, ctx.clerk, lines, tendered_khr=khr,
                       tendered_usd=usd, rate=rate)


def test_sale_lines_vat_and_totals_add_up(ctx, till):
    sale = sell(ctx, till, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE},
        {"goods_id": ctx.goods("ENV-C5").id, "quantity": 3},
    ], khr=10_000)
    reg, env = sale.lines
    assert (reg.net_khr, reg.vat_khr) == (5000, 500)  # 21-2,000 g band, first step
    assert (env.net_khr, env.vat_khr) == (1500, 150)
    assert sale.net_khr == 6500 and sale.vat_khr == 650 and sale.total_khr == 7150
    assert sale.rounding_khr == 50 and sale.due_khr == 7200  # cash rounding, half up
    assert (sale.change_khr, sale.change_usd) == (2800, 0)
    assert ctx.goods("ENV-C5").stock == 397
    assert re.fullmatch(r"PP-01-\d{4}-000001", sale.number)


def test_registered_item_gets_an_s10_number_from_the_center_range(ctx, till):
    sale = sell(ctx, till, [
        {"service_id": ctx.service("REG").id, "weight_g": 20, **SENDER, **ADDRESSEE}], khr=6000)
    item = sale.lines[0].items[0]
    assert s10.is_valid(item.s10) and item.s10.startswith("RR") and item.s10.endswith("KH")
    assert item.addressee_phone == "+85517888999"
    assert [e.kind for e in item.events] == ["accepted"]
    second = sell(ctx, till, [
        {"service_id": ctx.service("REG").id, "weight_g": 20, **SENDER, **ADDRESSEE}], khr=6000)
    assert int(second.lines[0].items[0].s10[2:10]) == int(item.s10[2:10]) + 1


def test_usd_tariff_paid_partly_in_usd_partly_in_khr(ctx, till):
    # EMS to Thailand 1,200 g: 700 g above the 500 g band floor = 2 started 500 g steps,
    # the first in the base: $15.00 + $4.50 = $19.50 = 79,950 riel, VAT 7,995: 87,945 riel
    sale = sell(ctx, till, [{"service_id": ctx.service("EMS").id, "weight_g": 1200,
                             "addressee_country": "TH", "addressee_name": "Somchai",
                             "addressee_address": "Bangkok", **SENDER}], khr=30_000, usd=2_000)
    assert sale.lines[0].unit_price_minor == 1_950 and sale.lines[0].unit_currency == "USD"
    assert sale.total_khr == 87_945
    value = 30_000 + 20 * RATE  # 112,000 riel of value
    assert sale.due_khr == 87_900  # rounded so the change is whole 100 riel
    assert (sale.change_usd, sale.change_khr) == (500, 3_600)  # $5 and riel under a dollar
    assert value - sale.due_khr == sale.change_khr + 5 * RATE
    assert {p.currency: p.amount_minor for p in sale.payments} == {"KHR": 30_000, "USD": 2_000}


def test_mixed_payment_change_whole_dollars_and_riel(ctx, till):
    # 7,150 riel due; customer gives $5 and 2,000 riel: 22,500 riel of value
    sale = sell(ctx, till, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE},
        {"goods_id": ctx.goods("ENV-C5").id, "quantity": 3}], khr=2_000, usd=500)
    value = 2_000 + 5 * RATE
    assert sale.change_usd == 300  # three whole dollars back
    assert sale.change_khr < RATE  # the rest, under a dollar, in riel
    assert sale.change_khr % 100 == 0
    assert value - (sale.total_khr + sale.rounding_khr) == sale.change_khr + 3 * RATE


def test_paid_only_in_riel_gets_change_only_in_riel(ctx, till):
    sale = sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 1}], khr=50_000)
    assert sale.total_khr == 8800 and sale.change_usd == 0 and sale.change_khr == 41_200


def test_underpaid_sale_is_refused_and_takes_no_number(ctx, till):
    with pytest.raises(SaleError) as refused:  # 800 riel more is due
        sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 1}], khr=8_000)
    assert refused.value.field == "tendered_khr"
    db.session.rollback()
    sale = sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 1}], khr=9_000)
    assert sale.number.endswith("000001")


def test_usd_only_payment(ctx, till):
    sale = sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 1}], usd=300)
    # 8,800 due; $3 = 12,300 riel; 3,500 riel change: under a dollar, all in riel
    assert (sale.change_usd, sale.change_khr) == (0, 3_500)


def test_stock_cannot_go_negative(ctx, till):
    with pytest.raises(SaleError, match="left in stock"):
        sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 31}], khr=10**7)


def test_domestic_registered_item_needs_a_real_address(ctx, till):
    wrong = dict(ADDRESSEE, addressee_district="1701")  # a Siem Reap district in Phnom Penh
    with pytest.raises(SaleError, match="district"):
        sell(ctx, till, [{"service_id": ctx.service("REG").id, "weight_g": 20, **SENDER,
                          **wrong}], khr=6000)
    bad_phone = dict(ADDRESSEE, addressee_phone="12")
    with pytest.raises(SaleError, match="phone"):
        sell(ctx, till, [{"service_id": ctx.service("REG").id, "weight_g": 20, **SENDER,
                          **bad_phone}], khr=6000)


def test_one_open_session_per_clerk_per_counter(ctx, till):
    with pytest.raises(TillError, match="already"):
        open_till(db.session, ctx.center, ctx.clerk)
    other = open_till(db.session, ctx.center, ctx.clerk, counter="2")
    assert other.id != till.id


def test_void_and_refund_keep_the_session_right(ctx, till):
    first = sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 1}],
                 khr=2_000, usd=200)  # 8,800 due; 10,200 value; change 1,400 riel
    second = sell(ctx, till, [{"goods_id": ctx.goods("BOX-S").id, "quantity": 2}], khr=10_000)
    void = void_sale(db.session, ctx.center, first, till, ctx.manager, "Wrong box")
    assert void.kind == "void" and void.original_id == first.id and first.status == "voided"
    assert void.total_khr == -first.total_khr and void.number != first.number
    assert ctx.goods("BOX-L").stock == 30  # back on the shelf
    with pytest.raises(SaleError, match="already voided"):
        void_sale(db.session, ctx.center, first, till, ctx.manager, "again")
    with pytest.raises(SaleError, match="reason"):
        refund_sale(db.session, ctx.center, second, till, ctx.clerk, "  ")
    totals = till_totals(db.session, till)
    assert totals["total_khr"] == second.total_khr
    # the void handed back what the first sale took: 2,000 riel + $2 less 1,400 riel change
    assert totals["expected"]["KHR"] == 100_000 + 10_000 - second.change_khr
    assert totals["expected"]["USD"] == 2_000
    assert totals["paid"] == {"KHR": 12_000, "USD": 200}
    assert totals["paid_back"] == {"KHR": 2_000 - 1_400, "USD": 200}
    move_cash(db.session, ctx.center, till, direction="out", currency="KHR",
              amount_minor=50_000, reason="Banked")
    closed = close_till(db.session, ctx.center, till, counted_khr=50_000, counted_usd=2_000)
    assert closed["expected"]["KHR"] == 100_000 + 10_000 - second.change_khr - 50_000
    assert closed["difference"]["KHR"] == 50_000 - closed["expected"]["KHR"]
    assert closed["difference"]["USD"] == 0
    later = open_till(db.session, ctx.center, ctx.clerk)
    with pytest.raises(SaleError, match="make a refund"):
        void_sale(db.session, ctx.center, second, later, ctx.manager, "too late")
    refund = refund_sale(db.session, ctx.center, second, later, ctx.clerk, "Returned",
                         currency="USD")
    assert refund.rate == second.rate and refund.kind == "refund"
    assert refund.payments[0].currency == "USD"
    assert refund.payments[0].amount_minor == -round(second.due_khr * 100 / second.rate)
    later_totals = till_totals(db.session, later)
    assert later_totals["total_khr"] == -second.total_khr
    assert later_totals["by_kind"]["refund"]["count"] == 1


def test_refund_uses_the_original_rate(ctx, till):
    sale = sell(ctx, till, [{"goods_id": ctx.goods("BOX-L").id, "quantity": 1}], usd=300)
    refund = refund_sale(db.session, ctx.center, sale, till, ctx.clerk, "Broken", currency="USD")
    assert refund.rate == RATE
    assert refund.payments[0].amount_minor == -(8_800 * 100 // RATE + 1)  # $2.15 rounded half up


def test_receipt_numbers_are_gapless_and_include_voids(ctx, till):
    numbers = []
    for _ in range(3):
        sale = sell(ctx, till, [{"goods_id": ctx.goods("ENV-C5").id, "quantity": 1}], khr=1_000)
        numbers.append(sale.number)
    numbers.append(void_sale(db.session, ctx.center, sale, till, ctx.manager, "x").number)
    assert [int(n[-6:]) for n in numbers] == [1, 2, 3, 4]
    assert db.session.query(Sale).count() == 4


def test_sender_address_is_checked_when_given(ctx, till):
    sender = dict(SENDER, sender_province="12", sender_district="1201",
                  sender_commune="170101")  # a Siem Reap commune in a Phnom Penh district
    with pytest.raises(SaleError, match="commune"):
        sell(ctx, till, [{"service_id": ctx.service("REG").id, "weight_g": 20, **sender,
                          **ADDRESSEE}], khr=6000)
    sender["sender_commune"] = "120101"
    sale = sell(ctx, till, [{"service_id": ctx.service("REG").id, "weight_g": 20, **sender,
                             **ADDRESSEE}], khr=6000)
    assert sale.lines[0].items[0].sender_commune == "120101"


def exhaust(ctx, indicator="RR"):
    from plugins.postal.models import S10Range

    for block in db.session.query(S10Range).filter_by(center_id=ctx.center_id,
                                                      indicator=indicator):
        block.next_serial = block.end + 1
    db.session.flush()


def test_no_s10_left_is_a_clear_sale_error_before_payment_and_at_sale(ctx, till):
    from plugins.postal.services_sales import add_to_cart

    line = {"service_id": ctx.service("REG").id, "weight_g": 20, **SENDER, **ADDRESSEE}
    exhaust(ctx)
    with pytest.raises(SaleError, match="No S10 numbers are left for RR") as refused:
        add_to_cart(db.session, ctx.center, till, line, RATE)  # heard before payment
    assert refused.value.field == "service_id"
    with pytest.raises(SaleError, match="ask the deployer to allocate a range"):
        sell(ctx, till, [line], khr=6000)
    db.session.rollback()
    # an untracked line still sells, and the refused sales took no receipt number
    sale = sell(ctx, till, [{"goods_id": ctx.goods("ENV-C5").id, "quantity": 1}], khr=1000)
    assert sale.number.endswith("000001")


def test_s10_exhausted_between_cart_and_payment_is_a_sale_error(ctx, till, monkeypatch):
    from plugins.postal import services_sales

    monkeypatch.setattr(services_sales, "s10_left", lambda *a: True)  # the cart's check passed
    exhaust(ctx)
    with pytest.raises(SaleError, match="No S10 numbers are left for RR"):
        sell(ctx, till, [{"service_id": ctx.service("REG").id, "weight_g": 20, **SENDER,
                          **ADDRESSEE}], khr=6000)


def test_void_of_mixed_change_shows_directions_and_keeps_till_right(ctx, till):
    from plugins.postal.printing import receipt_context, till_report_context

    # 7,200 riel due, paid with $10: change $8 and 1,000 riel
    sale = sell(ctx, till, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE},
        {"goods_id": ctx.goods("ENV-C5").id, "quantity": 3}], usd=1_000)
    assert (sale.due_khr, sale.change_usd, sale.change_khr) == (7_200, 800, 1_000)
    void = void_sale(db.session, ctx.center, sale, till, ctx.manager, "Wrong address")
    # the drawer: $2 goes out, the 1,000 riel of change comes back in
    assert {p.currency: p.amount_minor for p in void.payments} == {"KHR": 1_000, "USD": -200}
    receipt = receipt_context(void, "http://x/")
    assert receipt["back_usd"] == "$2.00" and receipt["back_khr"] == ""
    assert "1,000" in receipt["received_khr"] and receipt["received_usd"] == ""
    assert receipt["paid_khr"] == receipt["paid_usd"] == ""
    assert "-" not in receipt["back_usd"] + receipt["received_khr"]
    assert "−" not in receipt["back_usd"] + receipt["received_khr"]
    totals = till_totals(db.session, till)
    assert totals["paid"] == {"KHR": 0, "USD": 1_000}  # tendered: the sale's $10 only
    assert totals["paid_back"] == {"KHR": 0, "USD": 200}
    assert totals["received_back"] == {"KHR": 1_000, "USD": 0}
    assert totals["change"] == {"KHR": 1_000, "USD": 800}
    assert totals["expected"] == {"KHR": 100_000, "USD": 2_000}  # back to the float
    report = till_report_context(till, totals)
    assert report["paid_khr"] == cash_fmt(0, "KHR") and report["back_usd"] == "$2.00"
    assert "1,000" in report["received_khr"]


def cash_fmt(minor, currency):
    from core.money import format_minor

    return format_minor(minor, currency)


def test_tracked_items_need_the_sender_address(ctx, till):
    bare = {"sender_name": "Sok Dara", "sender_phone": "012 345 678"}
    for code, extra in (("REG", ADDRESSEE),
                        ("EMS", {"addressee_country": "TH", "addressee_name": "Somchai",
                                 "addressee_address": "Bangkok"})):
        with pytest.raises(SaleError, match="province") as refused:
            sell(ctx, till, [{"service_id": ctx.service(code).id, "weight_g": 300, **bare,
                              **extra}], usd=5_000)
        assert refused.value.field == "sender_province"
        db.session.rollback()
    foreign = dict(bare, sender_country="FR", sender_phone="")
    with pytest.raises(SaleError, match="address is required"):
        sell(ctx, till, [{"service_id": ctx.service("PARCEL").id, "weight_g": 1000,
                          **foreign, **ADDRESSEE}], khr=100_000)
    db.session.rollback()
    sale = sell(ctx, till, [{"service_id": ctx.service("PARCEL").id, "weight_g": 1000,
                             **dict(foreign, sender_address="1 rue de Rivoli, Paris"),
                             **ADDRESSEE}], khr=100_000)
    assert sale.lines[0].items[0].sender_country == "FR"
    # an ordinary letter needs no sender at all
    letter = sell(ctx, till, [{"service_id": ctx.service("LETTER").id, "weight_g": 20,
                               **ADDRESSEE}], khr=5_000)
    assert letter.lines[0].items[0].sender_name == ""


# -- partial refunds -------------------------------------------------------------------------


def registered_and_envelopes(ctx, till):
    """REG 5,000 + 500 VAT and 3 envelopes 1,500 + 150: 7,150, due 7,200, paid 10,000."""
    sale = sell(ctx, till, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE},
        {"goods_id": ctx.goods("ENV-C5").id, "quantity": 3}], khr=10_000)
    db.session.commit()
    return sale, sale.lines[0], sale.lines[1]


def later_till(ctx, till):
    close_till(db.session, ctx.center, till, counted_khr=0, counted_usd=0)
    later = open_till(db.session, ctx.center, ctx.manager, float_khr=50_000, float_usd=1_000)
    db.session.commit()
    return later


def test_partial_refunds_give_back_lines_until_the_sale_is_refunded(ctx, till):
    from core.sequences import center_date
    from plugins.postal.services_reports import daily_sales
    from plugins.postal.services_sales import refundable

    sale, reg, env = registered_and_envelopes(ctx, till)
    later = later_till(ctx, till)
    first = refund_sale(db.session, ctx.center, sale, later, ctx.manager, "One torn",
                        quantities={env.id: 1})
    db.session.commit()
    assert first.kind == "refund" and first.original_id == sale.id and first.rate == RATE
    (line,) = first.lines
    assert (line.original_line_id, line.quantity, line.net_khr, line.vat_khr) == (
        env.id, 1, -500, -50)
    # 550 riel of goods; 600 paid back, in whole 100 riel, with its rounding line
    assert (first.total_khr, first.rounding_khr, first.due_khr) == (-550, -50, -600)
    assert [(p.currency, p.amount_minor) for p in first.payments] == [("KHR", -600)]
    assert sale.status == "partial" and ctx.goods("ENV-C5").stock == 398
    assert refundable(db.session, sale) == {reg.id: 1, env.id: 2}
    assert int(first.number[-6:]) == int(sale.number[-6:]) + 1  # same series, no gap

    # the second partial refund sees the first one
    with pytest.raises(SaleError, match="Only 2 of") as refused:
        refund_sale(db.session, ctx.center, sale, later, ctx.manager, "x",
                    quantities={env.id: 3})
    assert refused.value.field == f"qty_{env.id}"
    with pytest.raises(SaleError, match="Choose what to refund"):
        refund_sale(db.session, ctx.center, sale, later, ctx.manager, "x",
                    quantities={env.id: 0, reg.id: 0})
    with pytest.raises(SaleError, match="negative"):
        refund_sale(db.session, ctx.center, sale, later, ctx.manager, "x",
                    quantities={env.id: -1})
    with pytest.raises(SaleError, match="not on this sale"):
        refund_sale(db.session, ctx.center, sale, later, ctx.manager, "x",
                    quantities={env.id + 1000: 1})
    db.session.rollback()

    second = refund_sale(db.session, ctx.center, sale, later, ctx.manager, "Two more",
                         currency="USD", quantities={str(env.id): 2})  # form keys are text
    db.session.commit()
    # refunds so far 1,650 riel -> 1,700 in cash; 600 paid already: 1,100 = $0.27
    assert (second.total_khr, second.due_khr) == (-1_100, -1_100)
    assert [(p.currency, p.amount_minor) for p in second.payments] == [("USD", -27)]
    assert sale.status == "partial" and reg.items[0].status == "accepted"
    with pytest.raises(SaleError, match="refunded already"):
        refund_sale(db.session, ctx.center, sale, later, ctx.manager, "x",
                    quantities={env.id: 1})
    db.session.rollback()

    rest = refund_sale(db.session, ctx.center, sale, later, ctx.manager, "Not sent")
    db.session.commit()
    assert [(line.original_line_id, line.quantity) for line in rest.lines] == [(reg.id, 1)]
    assert sale.status == "refunded" and reg.items[0].status == "refunded"
    refunds = [first, second, rest]
    assert sum(r.total_khr for r in refunds) == -sale.total_khr  # to the riel
    assert sum(r.due_khr for r in refunds) == -sale.due_khr
    with pytest.raises(SaleError, match="already refunded"):
        refund_sale(db.session, ctx.center, sale, later, ctx.manager, "again")

    totals = till_totals(db.session, later)
    assert totals["by_kind"]["refund"] == {"count": 3, "total_khr": -7_150}
    assert totals["paid_back"] == {"KHR": 600 + 5_500, "USD": 27}
    assert totals["expected"] == {"KHR": 50_000 - 6_100, "USD": 1_000 - 27}
    report = daily_sales(db.session, ctx.center, center_date(ctx.center, sale.created_at))
    envelopes = next(s for s in report["services"] if s["service"] == env.description_en)
    assert envelopes["quantity"] == 0 and envelopes["total_khr"] == 0
    assert report["total_khr"] == 0
    clerks = {c["clerk"]: c for c in report["clerks"]}
    assert clerks[ctx.manager.full_name]["reversals"] == 3


def test_partial_refund_then_no_void_and_a_closed_till_pays_nothing(ctx, till):
    sale, _reg, env = registered_and_envelopes(ctx, till)
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "torn",
                quantities={env.id: 1})
    with pytest.raises(SaleError, match="refund the rest instead"):
        void_sale(db.session, ctx.center, sale, till, ctx.manager, "wrong")
    db.session.commit()
    close_till(db.session, ctx.center, till, counted_khr=0, counted_usd=0)
    with pytest.raises(TillError, match="Open a till"):
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "late",
                    quantities={env.id: 1})


def test_a_whole_refund_is_the_same_mechanism_line_by_line(ctx, till):
    sale, reg, env = registered_and_envelopes(ctx, till)
    refund = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "all")
    assert [(line.original_line_id, line.quantity, line.net_khr) for line in refund.lines] == [
        (reg.id, 1, -5_000), (env.id, 3, -1_500)]
    assert (refund.total_khr, refund.rounding_khr) == (-sale.total_khr, -sale.rounding_khr)
    assert sale.status == "refunded"


def test_parts_of_a_usd_priced_line_add_up_to_the_line(ctx, till):
    """A line priced in dollars converts to riel once; its parts are shares of that riel
    amount, so three refunds of one unit each give back the line to the riel."""
    from plugins.postal.models import Goods

    pen = Goods(center_id=ctx.center_id, code="PEN", name_en="Pen", price_minor=33,
                currency="USD", vat_bp=1000, stock=10)
    db.session.add(pen)
    db.session.flush()
    sale = sell(ctx, till, [{"goods_id": pen.id, "quantity": 3}], usd=200)
    (line,) = sale.lines
    parts = [refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                         quantities={line.id: 1}) for _ in range(3)]
    assert sum(p.net_khr for p in parts) == -line.net_khr
    assert sum(p.vat_khr for p in parts) == -line.vat_khr
    assert sum(p.due_khr for p in parts) == -sale.due_khr
    assert all(abs(p.rounding_khr) <= 100 for p in parts)
    assert sale.status == "refunded" and pen.stock == 10
