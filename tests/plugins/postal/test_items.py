"""Customs declarations (CN22/CN23 choice and checks), tracking events, demo data."""

import pytest

from core.extensions import db
from plugins.postal.models import Sale, TillSession
from plugins.postal.models_items import CustomsDeclaration, Item, TrackingEvent
from plugins.postal.services_items import (
    ItemError,
    customs_form_needed,
    record_event,
    save_customs,
)
from plugins.postal.services_sales import create_sale
from plugins.postal.services_till import open_till
from tests.plugins.postal.conftest import SENDER

SDR = 5_500  # riel


def test_cn22_for_letter_post_up_to_300_sdr_else_cn23():
    assert customs_form_needed("letter", 300 * SDR, SDR) == "CN22"
    assert customs_form_needed("registered", 300 * SDR + 1, SDR) == "CN23"
    assert customs_form_needed("parcel", 100, SDR) == "CN23"  # every parcel


@pytest.fixture
def parcel(ctx):
    till = open_till(db.session, ctx.center, ctx.clerk)
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("PARCEL").id, "weight_g": 1000, "addressee_country": "FR",
         "addressee_name": "Marie", "addressee_address": "Paris", **SENDER}],
        tendered_usd=10_000, rate=4100)
    return sale.lines[0].items[0]


def declare(ctx, item, **changes):
    args = dict(category="sale", explanation="", gross_weight_g=1000, total_value_minor=3000,
                currency="USD", form="CN23", lines=[
                    {"description": "Kroma scarf", "quantity": 2, "net_weight_g": 400,
                     "value": 2000, "hs_code": "6214.10", "origin_country": "KH"},
                    {"description": "Pepper", "quantity": 1, "net_weight_g": 500,
                     "value": 1000, "hs_code": "090411", "origin_country": "KH"}])
    args.update(changes)
    return save_customs(db.session, ctx.center, item, **args)


def test_declaration_checks(ctx, parcel):
    with pytest.raises(ItemError, match="gross weight"):
        declare(ctx, parcel, gross_weight_g=800)
    with pytest.raises(ItemError, match="add up"):
        declare(ctx, parcel, total_value_minor=3100)
    with pytest.raises(ItemError, match="HS code and origin"):
        declare(ctx, parcel, lines=[{"description": "Pepper", "quantity": 1,
                                     "net_weight_g": 500, "value": 3000}])
    with pytest.raises(ItemError, match="6 to 10 digits"):
        declare(ctx, parcel, lines=[{"description": "Pepper", "quantity": 1, "net_weight_g": 5,
                                     "value": 3000, "hs_code": "0904", "origin_country": "KH"}])
    with pytest.raises(ItemError, match="Explain"):
        declare(ctx, parcel, category="other")
    gift = declare(ctx, parcel, category="gift", lines=[
        {"description": "Photos", "quantity": 1, "net_weight_g": 100, "value": 3000}])
    assert gift.lines[0].hs_code == ""  # not required for a gift
    decl = declare(ctx, parcel)
    assert [line.hs_code for line in decl.lines] == ["621410", "090411"]
    assert db.session.query(CustomsDeclaration).count() == 1


@pytest.mark.parametrize("event", ["dispatched", "arrived", "delivered", "returned"])
def test_declaration_is_locked_once_the_item_has_left_the_counter(ctx, parcel, event):
    from plugins.postal.services_items import CustomsLocked, customs_locked

    declare(ctx, parcel)  # a draft while the item is at the counter: may change
    declare(ctx, parcel, category="gift")
    record_event(db.session, ctx.center, parcel, "accepted", office="Phnom Penh")
    assert not customs_locked(parcel)
    record_event(db.session, ctx.center, parcel, event, office="Phnom Penh")
    assert customs_locked(parcel)
    with pytest.raises(CustomsLocked, match="has left the counter"):
        declare(ctx, parcel)
    assert parcel.customs.category == "gift" and len(parcel.customs.lines) == 2
    # recording "accepted" again later does not unlock what already left
    record_event(db.session, ctx.center, parcel, "accepted", office="Phnom Penh")
    with pytest.raises(ItemError):
        declare(ctx, parcel)


def test_tracking_events_update_the_status(ctx, parcel):
    record_event(db.session, ctx.center, parcel, "dispatched", office="Phnom Penh")
    record_event(db.session, ctx.center, parcel, "delivered", office="Paris")
    assert parcel.status == "delivered"
    assert [e.kind for e in parcel.events] == ["accepted", "dispatched", "delivered"]
    with pytest.raises(ItemError):
        record_event(db.session, ctx.center, parcel, "lost")


def test_demo_data_has_every_kind_of_record_and_is_idempotent(app, ctx):
    from plugins.postal import demo

    demo.load(ctx.center, db.session)  # the clerk is a member now: sales are made
    db.session.commit()
    counts = {m: db.session.query(m).count() for m in (Sale, TillSession, Item, TrackingEvent,
                                                        CustomsDeclaration)}
    assert all(counts.values()), counts
    assert {s.kind for s in db.session.query(Sale)} == {"sale", "void", "refund"}
    demo.load(ctx.center, db.session)
    db.session.commit()
    assert counts == {m: db.session.query(m).count() for m in counts}


def test_form_choices_match_the_model_vocabularies():
    from plugins.postal.forms import CustomsForm, EventForm
    from plugins.postal.models_items import CUSTOMS_CATEGORIES, EVENT_KINDS

    assert tuple(c.value for c in EventForm.kind.kwargs["choices"]) == EVENT_KINDS
    assert tuple(c.value for c in CustomsForm.category.kwargs["choices"]) == CUSTOMS_CATEGORIES
