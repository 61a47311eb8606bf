"""Voids and refunds of sales that accepted items: which items are given back (ticked by
S10 number), a tracking event for each cancelled item, no refund of an item that has left
the counter, and no event after the item was cancelled. Services here; the screens in
test_refund_items_views.py."""

import pytest

from core.extensions import db
from plugins.postal.models_items import TrackingEvent
from plugins.postal.services_items import ItemCancelled, ItemError, record_event
from plugins.postal.services_sales import (
    SaleError,
    create_sale,
    refund_sale,
    refundable,
    void_sale,
)
from plugins.postal.services_till import open_till
from tests.plugins.postal.conftest import ADDRESSEE, SENDER

RATE = 4100


@pytest.fixture
def till(ctx):
    till = open_till(db.session, ctx.center, ctx.clerk, float_khr=100_000, float_usd=2_000)
    db.session.commit()
    return till


def three_registered(ctx, till, **extra_lines):
    """Three registered letters (one line and one S10 number each) and 3 envelopes."""
    reg = {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE}
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        reg, reg, reg, {"goods_id": ctx.goods("ENV-C5").id, "quantity": 3}],
        tendered_khr=30_000, rate=RATE)
    db.session.commit()
    items = [line.items[0] for line in sale.lines[:3]]
    return sale, items


def kinds(item):
    return [e.kind for e in item.events]


def test_a_refund_gives_back_only_the_items_ticked_with_a_tracking_event(ctx, till):
    sale, (first, second, third) = three_registered(ctx, till)
    line = second.sale_line
    spaced = f" {second.s10[:2].lower()} {second.s10[2:5]} {second.s10[5:]} "  # as typed
    refund = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "Not sent",
                         items=[spaced])
    db.session.commit()
    (given,) = refund.lines
    assert (given.original_line_id, given.quantity) == (line.id, 1)
    assert (given.net_khr, given.vat_khr) == (-line.net_khr, -line.vat_khr)
    assert sale.status == "partial"
    assert refundable(db.session, sale)[line.id] == 0
    assert second.status == "refunded" and kinds(second) == ["accepted", "refunded"]
    event = second.events[-1]
    assert (event.office, event.note, event.user_id, event.center_id) == (
        ctx.center.name_en, refund.number, ctx.manager.id, ctx.center_id)
    for other in (first, third):  # still at the counter, still live
        assert other.status == "accepted" and kinds(other) == ["accepted"]
    # the rest later: the two other items and the envelopes, each item with its event
    rest = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "Customer left")
    db.session.commit()
    assert sorted(line.quantity for line in rest.lines) == [1, 1, 3]
    assert sale.status == "refunded"
    assert [kinds(i) for i in (first, second, third)] == [["accepted", "refunded"]] * 3
    assert db.session.query(TrackingEvent).filter_by(kind="refunded").count() == 3


def test_ticked_items_and_typed_quantities_together(ctx, till):
    """Items ticked on some lines, quantities typed on lines without S10 numbers."""
    sale, (first, _second, third) = three_registered(ctx, till)
    env = sale.lines[3]
    refund = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                         quantities={str(env.id): 1, first.sale_line_id: 0},
                         items=[first.s10, third.s10])
    assert sorted((line.original_line_id, line.quantity) for line in refund.lines) == sorted(
        [(first.sale_line_id, 1), (third.sale_line_id, 1), (env.id, 1)])
    assert [first.status, third.status] == ["refunded", "refunded"]
    assert ctx.goods("ENV-C5").stock == 400 - 3 + 1


def test_a_quantity_for_a_line_with_s10_items_must_match_the_items_ticked(ctx, till):
    sale, (first, second, _third) = three_registered(ctx, till)
    line = first.sale_line
    with pytest.raises(SaleError, match="Tick the S10 number of each item of Registered") as e:
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    quantities={line.id: 1})
    assert e.value.field == f"qty_{line.id}"
    with pytest.raises(SaleError, match="2 typed but 1 ticked") as e:
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    quantities={line.id: 2}, items=[first.s10])
    assert e.value.field == f"qty_{line.id}"
    # a quantity typed on one line and an item of another line ticked: still no doubt
    with pytest.raises(SaleError, match="Tick the S10 number"):
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    quantities={line.id: 1}, items=[second.s10])
    db.session.rollback()
    assert sale.status == "issued" and all(i.status == "accepted" for i in (first, second))
    assert db.session.query(TrackingEvent).filter(
        TrackingEvent.kind.in_(("voided", "refunded"))).count() == 0
    # typed and ticked alike is fine
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                quantities={line.id: 1}, items=[first.s10])
    assert first.status == "refunded"


def test_ticks_that_name_no_item_of_the_sale_are_refused(ctx, till):
    sale, (first, _second, _third) = three_registered(ctx, till)
    other = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE}],
        tendered_khr=10_000, rate=RATE)
    foreign = other.lines[0].items[0].s10
    for code in (foreign, "RR000000000KH", "not a number"):
        with pytest.raises(SaleError, match="is not an item of this sale") as e:
            refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", items=[code])
        assert e.value.field == "s10"
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", items=[first.s10])
    with pytest.raises(SaleError, match=f"Item {first.s10} was refunded already") as e:
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", items=[first.s10])
    assert e.value.field == f"qty_{first.sale_line_id}"
    with pytest.raises(SaleError, match="Choose what to refund"):
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", items=["", " "])


@pytest.mark.parametrize("event", ["dispatched", "arrived", "delivered", "returned"])
def test_an_item_that_has_left_the_counter_is_not_refunded(ctx, till, event):
    sale, (first, second, _third) = three_registered(ctx, till)
    record_event(db.session, ctx.center, first, event, office="Phnom Penh")
    record_event(db.session, ctx.center, first, "accepted", office="Phnom Penh")  # not back
    db.session.commit()
    with pytest.raises(SaleError, match=f"Item {first.s10} has left the counter: it can no "
                                        "longer be refunded") as e:
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    items=[second.s10, first.s10])
    assert e.value.field == f"qty_{first.sale_line_id}"
    with pytest.raises(SaleError, match="has left the counter"):  # nor in a whole refund
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x")
    with pytest.raises(SaleError, match="the sale can no longer be voided"):
        void_sale(db.session, ctx.center, sale, till, ctx.manager, "x")
    db.session.rollback()
    assert sale.status == "issued" and second.status == "accepted"
    # the items still at the counter can be refunded
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", items=[second.s10])
    assert second.status == "refunded" and first.status == "accepted"


def test_a_cancelled_item_takes_no_further_event(ctx, till):
    sale, (first, *_rest) = three_registered(ctx, till)
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", items=[first.s10])
    db.session.commit()
    for kind in ("dispatched", "accepted", "delivered"):
        with pytest.raises(ItemCancelled, match=f"Item {first.s10} was cancelled at the "
                                                "counter") as e:
            record_event(db.session, ctx.center, first, kind, office="Phnom Penh")
        assert e.value.field == "kind"
    db.session.rollback()
    assert first.status == "refunded" and kinds(first) == ["accepted", "refunded"]
    with pytest.raises(ItemError, match="Unknown event"):  # a clerk cannot write these
        record_event(db.session, ctx.center, sale.lines[1].items[0], "refunded")


def test_a_void_cancels_every_item_with_its_event(ctx, till):
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE},
        {"service_id": ctx.service("LETTER").id, "weight_g": 20, "quantity": 2,
         **ADDRESSEE}], tendered_khr=20_000, rate=RATE)
    db.session.commit()
    registered, letters = (line.items[0] for line in sale.lines)
    assert registered.s10 and letters.s10 is None
    void = void_sale(db.session, ctx.center, sale, till, ctx.manager, "Wrong address")
    db.session.commit()
    for item in (registered, letters):
        assert item.status == "voided" and kinds(item) == ["accepted", "voided"]
        assert item.events[-1].note == void.number


def test_a_line_without_s10_goes_by_quantity_and_its_item_goes_with_the_last_unit(ctx, till):
    """Three ordinary letters are one line and one item without S10: refunding one letter
    leaves the item live; refunding the last ones cancels it, with its event."""
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("LETTER").id, "weight_g": 20, "quantity": 3,
         **ADDRESSEE}], tendered_khr=10_000, rate=RATE)
    db.session.commit()
    (line,) = sale.lines
    (letters,) = line.items
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", quantities={line.id: 1})
    assert letters.status == "accepted" and kinds(letters) == ["accepted"]
    refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x", quantities={line.id: 2})
    assert letters.status == "refunded" and kinds(letters) == ["accepted", "refunded"]
    assert sale.status == "refunded"


def test_letters_already_dispatched_are_not_refunded_even_in_part(ctx, till):
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("LETTER").id, "weight_g": 20, "quantity": 3,
         **ADDRESSEE}], tendered_khr=10_000, rate=RATE)
    (line,) = sale.lines
    record_event(db.session, ctx.center, line.items[0], "dispatched", office="PP")
    with pytest.raises(SaleError, match="has left the counter") as e:
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    quantities={line.id: 1})
    assert e.value.field == f"qty_{line.id}"


def test_migration_gives_items_cancelled_earlier_their_event(ctx, till):
    """postal_0003: items voided or refunded before voids and refunds wrote events get
    one, dated and signed as the void or refund that cancelled them; run twice, it
    writes nothing more."""
    import importlib.util
    from pathlib import Path

    import plugins.postal

    path = (Path(plugins.postal.__file__).parent / "migrations" / "versions"
            / "postal_0003_cancelled_item_events.py")
    spec = importlib.util.spec_from_file_location("postal_0003", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    sale, (first, second, _third) = three_registered(ctx, till)
    refund = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                         items=[first.s10])
    other = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE}],
        tendered_khr=10_000, rate=RATE)
    void = void_sale(db.session, ctx.center, other, till, ctx.clerk, "x")
    voided = other.lines[0].items[0]
    db.session.commit()
    # as the code before this revision left them: status set, no event
    db.session.query(TrackingEvent).filter(
        TrackingEvent.kind.in_(("voided", "refunded"))).delete()
    db.session.commit()
    assert migration.backfill(db.session.connection()) == 2
    assert migration.backfill(db.session.connection()) == 0
    db.session.commit()
    db.session.expire_all()
    for item, kind, record, clerk in ((first, "refunded", refund, ctx.manager),
                                      (voided, "voided", void, ctx.clerk)):
        event = item.events[-1]
        assert (event.kind, event.note, event.user_id, event.office, event.at) == (
            kind, record.number, clerk.id, ctx.center.name_en, record.created_at)
    assert kinds(second) == ["accepted"]


def test_a_line_with_several_s10_items_gives_back_the_ones_ticked(ctx, till):
    """The counter takes one registered item per line today; should a line carry several
    (a bulk acceptance), the refund still goes by the items ticked: 1 of 3 here."""
    from plugins.postal.models_items import Item
    from plugins.postal.services_items import next_s10

    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 45, **SENDER, **ADDRESSEE}],
        tendered_khr=10_000, rate=RATE)
    (line,) = sale.lines
    line.quantity = 3  # as such a line would be: three items, one price for the three
    for _ in range(2):
        extra = Item(center_id=ctx.center_id, s10=next_s10(db.session, ctx.center, "RR"),
                     sale_line_id=line.id, service_id=line.service_id, weight_g=45,
                     **{k: v for k, v in line.items[0].__dict__.items()
                        if k.startswith(("sender_", "addressee_"))})
        db.session.add(extra)
    db.session.commit()
    db.session.refresh(line)
    first, second, third = sorted(line.items, key=lambda i: i.id)
    with pytest.raises(SaleError, match="2 typed but 1 ticked"):
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    quantities={line.id: 2}, items=[second.s10])
    with pytest.raises(SaleError, match="Tick the S10 number"):
        refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                    quantities={line.id: 3})
    refund = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                         items=[second.s10])
    (given,) = refund.lines
    assert (given.quantity, given.net_khr) == (1, -round(line.net_khr / 3))
    assert [i.status for i in (first, second, third)] == ["accepted", "refunded", "accepted"]
    assert refundable(db.session, sale)[line.id] == 2 and sale.status == "partial"
    rest = refund_sale(db.session, ctx.center, sale, till, ctx.manager, "x",
                       quantities={line.id: 2}, items=[third.s10, first.s10])
    assert rest.lines[0].quantity == 2 and sale.status == "refunded"
    # one cancelling event each (the two added here have no "accepted" event)
    assert [kinds(i) for i in (first, second, third)] == [
        ["accepted", "refunded"], ["refunded"], ["refunded"]]
