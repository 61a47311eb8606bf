"""Refunds of items through the screens: the manager ticks the S10 numbers given back, the
public tracking page shows the item cancelled, refusals keep what was ticked and typed,
and another center's users see nothing."""

from core.extensions import db
from plugins.postal.models import Sale
from plugins.postal.models_items import Item
from tests.conftest import login
from tests.plugins.postal.conftest import ADDRESSEE, SENDER, make_counter
from tests.plugins.postal.test_views import EN, ids, open_till

KM = {"Accept-Language": "km"}


def sell_three_registered(app, client, counter):
    """As the clerk: three registered letters and three envelopes; the sale's id and the
    items' (line id, item id, S10) in order."""
    login(client, "clerk")
    open_till(client)
    for _ in range(3):
        r = client.post("/postal/cart", data={
            "service_id": ids(app, counter, "REG"), "weight_g": 45, "quantity": 1,
            "addressee_country": "KH", **SENDER, **ADDRESSEE}, headers=EN)
        assert r.status_code == 302, r.data.decode()[:2000]
    client.post("/postal/cart", data={"goods_id": ids(app, counter, "ENV-C5", True),
                                      "quantity": 3, "addressee_country": "KH"}, headers=EN)
    r = client.post("/postal/sale", data={"tendered_khr": "30,000", "paper": "receipt-80mm"},
                    headers=EN)
    assert r.status_code == 302
    sale_id = int(r.location.rsplit("/", 1)[1])
    with app.app_context():
        sale = db.session.get(Sale, sale_id)
        items = [(line.id, line.items[0].id, line.items[0].s10) for line in sale.lines[:3]]
        env_line = sale.lines[3].id
    client.post("/logout")
    return sale_id, items, env_line


def refund(client, sale_id, ticked=(), headers=EN, **fields):
    data = {"refund-reason": "Customer changed their mind", "refund-currency": "KHR",
            "refund-submit": "1", "refund-s10": list(ticked)}
    data.update({f"refund-{k}": v for k, v in fields.items()})
    return client.post(f"/postal/sales/{sale_id}/refund", data=data, headers=headers)


def test_refund_one_of_three_registered_items_and_track_it(app, client, counter):
    sale_id, items, env_line = sell_three_registered(app, client, counter)
    (_l1, id1, code1), (line2, id2, code2), (_l3, _id3, code3) = items
    login(client, "boss")
    open_till(client)
    page = client.get(f"/postal/sales/{sale_id}", headers=EN).data.decode()
    for code in (code1, code2, code3):  # a box per S10 number, no quantity to type for them
        assert f'name="refund-s10" value="{code}"' in page
    assert f'name="refund-qty_{line2}"' not in page and f'name="refund-qty_{env_line}"' in page

    r = refund(client, sale_id, ticked=[code2])
    assert r.status_code == 302, r.data.decode()[:3000]
    with app.app_context():
        refund_row = db.session.execute(db.select(Sale).where(Sale.kind == "refund")).scalar_one()
        assert [(line.original_line_id, line.quantity) for line in refund_row.lines] == [(line2, 1)]
        assert db.session.get(Sale, sale_id).status == "partial"
        statuses = {i.s10: i.status for i in db.session.execute(db.select(Item)).scalars()}
        assert statuses == {code1: "accepted", code2: "refunded", code3: "accepted"}
        events = [e.kind for e in db.session.get(Item, id2).events]
        assert events == ["accepted", "refunded"]
        number = refund_row.number
    page = client.get(f"/postal/sales/{sale_id}", headers=EN).data.decode()
    assert "partly refunded" in page
    assert f'value="{code2}"' not in page and f'value="{code1}"' in page  # no box once given back
    item_page = client.get(f"/postal/items/{id2}", headers=EN).data.decode()
    assert "Cancelled at the counter (refunded)" in item_page and number in item_page
    assert 'id="item-cancelled"' in item_page and 'id="print-label"' not in item_page
    # no dispatch of a refunded item, on the screen either
    r = client.post(f"/postal/items/{id2}", data={"kind": "dispatched", "office": "PP"},
                    headers=EN)
    assert r.status_code == 200 and "can no longer be dispatched" in r.data.decode()
    label = client.get(f"/postal/items/{id2}/label.pdf", headers=EN)
    assert label.status_code == 302 and label.location.endswith(f"/postal/items/{id2}")
    assert client.get(f"/postal/items/labels.pdf?id={id2}&id={id1}").status_code == 302
    with app.app_context():
        assert [e.kind for e in db.session.get(Item, id2).events] == ["accepted", "refunded"]
    client.post("/logout")

    public = app.test_client()
    page = public.get(f"/track/{code2}", headers=EN).data.decode()
    assert "Cancelled at the counter (refunded)" in page and 'id="track-cancelled"' in page
    assert number not in page  # the note stays inside
    km = public.get(f"/track/{code2}", headers=KM).data.decode()
    assert "បានលុបចោលនៅបញ្ជរ" in km and "Cancelled at the counter" not in km
    other = public.get(f"/track/{code1}", headers=EN).data.decode()
    assert "Accepted" in other and "Cancelled" not in other and "track-cancelled" not in other


def test_refusals_keep_what_was_ticked_and_typed(app, client, counter):
    sale_id, items, env_line = sell_three_registered(app, client, counter)
    (line1, id1, code1), (line2, _id2, code2), (_l3, _id3, code3) = items
    login(client, "clerk")  # the clerk dispatches the first letter
    assert client.post(f"/postal/items/{id1}", data={"kind": "dispatched",
                                                     "office": "PP"}).status_code == 302
    client.post("/logout")
    login(client, "boss")
    open_till(client)
    page = client.get(f"/postal/sales/{sale_id}", headers=EN).data.decode()
    assert f'name="refund-s10" value="{code1}"' not in page  # shown, not tickable
    assert "has left the counter: not refundable" in page

    r = client.post(f"/postal/sales/{sale_id}/void", data={"void-reason": "wrong"},
                    headers=EN, follow_redirects=True)
    assert f"Item {code1} has left the counter: the sale can no longer be voided." in (
        r.data.decode())
    r = refund(client, sale_id, ticked=[code1, code2])  # a stale page, or a typed request
    html = r.data.decode()
    assert r.status_code == 422
    assert f"Item {code1} has left the counter: it can no longer be refunded." in html
    assert f'value="{code2}" id="refund-s10-{_id2}" checked' in html
    assert "Customer changed their mind" in html

    r = refund(client, sale_id, ticked=[code2], **{f"qty_{line2}": "2"})
    html = r.data.decode()
    assert r.status_code == 422 and "2 typed but 1 ticked" in html
    assert f'name="refund-qty_{line2}"' in html and 'value="2"' in html  # typed, kept
    assert f'value="{code2}" id="refund-s10-{_id2}" checked' in html
    r = refund(client, sale_id, **{f"qty_{line2}": "1"})
    assert r.status_code == 422 and "Tick the S10 number of each item" in r.data.decode()
    r = refund(client, sale_id, ticked=["RR123456785KH"], **{f"qty_{env_line}": "1"})
    html = r.data.decode()
    assert r.status_code == 422 and "RR123456785KH is not an item of this sale." in html
    assert 'id="refund-s10-errors"' in html
    r = refund(client, sale_id, ticked=[code1], headers=KM)
    km = r.data.decode()
    assert r.status_code == 422 and "បានចេញពីបញ្ជររួចហើយ" in km and "has left" not in km
    r = refund(client, sale_id)
    assert r.status_code == 422 and "tick an item or type a quantity" in r.data.decode()
    r = client.post(f"/postal/sales/{sale_id}/refund", headers=EN, data={
        "refund-reason": "all", "refund-currency": "KHR", "refund-everything": "1"})
    assert r.status_code == 422 and f"Item {code1} has left the counter" in r.data.decode()
    with app.app_context():
        assert db.session.execute(db.select(Sale).where(Sale.kind == "refund")).first() is None
        assert db.session.get(Sale, sale_id).status == "issued"
        assert {i.status for i in db.session.execute(db.select(Item)).scalars()} == {
            "dispatched", "accepted"}

    r = refund(client, sale_id, ticked=[code2, code3], **{f"qty_{env_line}": "1"})
    assert r.status_code == 302
    with app.app_context():
        statuses = {i.s10: i.status for i in db.session.execute(db.select(Item)).scalars()}
        assert statuses == {code1: "dispatched", code2: "refunded", code3: "refunded"}


def test_another_centers_staff_can_neither_see_nor_refund(app, client, factory, counter):
    sale_id, items, _env_line = sell_three_registered(app, client, counter)
    (_line1, id1, code1) = items[0]
    make_counter(app, factory, "SR-01", prefix="sr")
    for user in ("srclerk", "srboss"):
        login(client, user)
        open_till(client)
        assert client.get(f"/postal/sales/{sale_id}", headers=EN).status_code == 404
        assert client.get(f"/postal/items/{id1}", headers=EN).status_code == 404
        # the clerk lacks postal.void anywhere (403); the manager finds no such sale (404)
        assert refund(client, sale_id, ticked=[code1]).status_code == (
            403 if user == "srclerk" else 404)
        assert client.post(f"/postal/items/{id1}", data={"kind": "dispatched"}).status_code == 404
        client.post("/logout")
    # SR-01's own sale cannot give back PP-01's item either
    login(client, "srclerk")
    client.post("/postal/cart", data={"goods_id": ids_sr(app, factory), "quantity": 1,
                                      "addressee_country": "KH"}, headers=EN)
    r = client.post("/postal/sale", data={"tendered_khr": "5,000", "paper": "receipt-80mm"})
    own_sale = int(r.location.rsplit("/", 1)[1])
    client.post("/logout")
    login(client, "srboss")
    r = refund(client, own_sale, ticked=[code1])
    assert r.status_code == 422 and f"{code1} is not an item of this sale." in r.data.decode()
    client.post("/logout")
    # a clerk of the sale's own center may see the sale but not refund it
    login(client, "clerk")
    assert client.get(f"/postal/sales/{sale_id}", headers=EN).status_code == 200
    assert refund(client, sale_id, ticked=[code1]).status_code == 403
    with app.app_context():
        assert db.session.execute(db.select(Sale).where(Sale.kind == "refund")).first() is None
        assert db.session.get(Item, id1).status == "accepted"


def ids_sr(app, factory):
    from core.tenancy import Center
    from plugins.postal.models import Goods

    with app.app_context():
        center = db.session.execute(db.select(Center).filter_by(code="SR-01")).scalar_one()
        return db.session.execute(db.select(Goods.id).filter_by(
            center_id=center.id, code="ENV-C5")).scalar_one()
