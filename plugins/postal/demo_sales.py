"""Demo counter activity: one closed till session with sales, a void, a refund, items
(one international with a CN23) and tracking events."""

from __future__ import annotations

import sqlalchemy as sa

from plugins.postal.models import Goods, PostalService
from plugins.postal.services_items import record_event, save_customs
from plugins.postal.services_sales import create_sale, current_rate, refund_sale, void_sale
from plugins.postal.services_till import close_till, move_cash, open_till, till_totals

SENDER = {"sender_name": "Sok Dara", "sender_phone": "012 345 678", "sender_country": "KH",
          "sender_province": "12", "sender_district": "1201", "sender_commune": "120101",
          "sender_address": "Street 51, house 8"}
DOMESTIC_ADDRESSEE = {
    "addressee_name": "Chan Sreymom", "addressee_phone": "+855 17 888 999",
    "addressee_country": "KH", "addressee_province": "17", "addressee_district": "1710",
    "addressee_commune": "171006", "addressee_address": "Street 6, house 12",
}
THAI_ADDRESSEE = {
    "addressee_name": "Somchai Jaidee", "addressee_phone": "+66 81 234 5678",
    "addressee_country": "TH", "addressee_address": "99 Sukhumvit Road, Bangkok 10110",
}


def load_sales(center, session) -> None:
    from plugins.postal.demo import demo_clerk

    clerk = demo_clerk(center, session)
    if clerk is None:
        return
    ids = {s.code: s.id for s in session.execute(sa.select(PostalService).where(
        PostalService.center_id == center.id)).scalars()}
    goods = {g.code: g.id for g in session.execute(sa.select(Goods).where(
        Goods.center_id == center.id)).scalars()}
    rate = current_rate(session, center)
    till = open_till(session, center, clerk, float_khr=200_000, float_usd=5_000)
    first = create_sale(session, center, till, clerk, [
        {"service_id": ids["REG"], "weight_g": 45, **SENDER, **DOMESTIC_ADDRESSEE},
        {"goods_id": goods["ENV-C5"], "quantity": 2},
    ], tendered_khr=20_000, rate=rate)
    second = create_sale(session, center, till, clerk, [
        {"service_id": ids["EMS"], "weight_g": 800, "declared_value": 3500, **SENDER,
         **THAI_ADDRESSEE},
    ], tendered_usd=2_500, tendered_khr=0, rate=rate)
    copies = create_sale(session, center, till, clerk, [
        {"service_id": ids["COPY"], "quantity": 10}], tendered_khr=5_000, rate=rate)
    void_sale(session, center, copies, till, clerk, "Customer changed their mind")
    parcel = create_sale(session, center, till, clerk, [
        {"service_id": ids["PARCEL"], "weight_g": 2300, **SENDER, **DOMESTIC_ADDRESSEE},
    ], tendered_khr=20_000, rate=rate)
    refund_sale(session, center, parcel, till, clerk, "Parcel not sent: customer returned")
    move_cash(session, center, till, direction="out", currency="KHR", amount_minor=50_000,
              reason="Banked at noon")
    ems_item = second.lines[0].items[0]
    save_customs(session, center, ems_item, category="gift", explanation="",
                 gross_weight_g=800, total_value_minor=3500, currency="USD", form="CN23",
                 lines=[{"description": "Silk scarf", "quantity": 2, "net_weight_g": 300,
                         "value": 2500, "hs_code": "621410", "origin_country": "KH"},
                        {"description": "Palm sugar", "quantity": 1, "net_weight_g": 400,
                         "value": 1000, "hs_code": "170199", "origin_country": "KH"}])
    for item in (first.lines[0].items[0], ems_item):
        record_event(session, center, item, "dispatched", office=center.name_en, user=clerk)
    expected = till_totals(session, till)["expected"]
    close_till(session, center, till, counted_khr=expected["KHR"], counted_usd=expected["USD"])
