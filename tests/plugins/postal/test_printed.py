"""What the counter prints, as paper: every box of a receipt stays on the roll, even with
millions of riel on a 58 mm roll, and the codes on receipts and labels scan."""

from __future__ import annotations

import pytest

from core.documents.formats import get_format
from core.documents.render import render_document
from core.extensions import db
from plugins.postal import printing
from plugins.postal.services_sales import create_sale
from plugins.postal.services_till import open_till
from tests.core.test_document_codes_scan import scan
from tests.core.test_document_vectors import code_boxes
from tests.plugins.postal.conftest import SENDER

BASE = "http://ctc.example/"
PX_PER_MM = 96 / 25.4


@pytest.fixture
def big_sale(ctx):
    """A registered letter abroad, EMS abroad (priced in USD) and nine costly goods."""
    goods = ctx.goods("BOX-L")
    goods.price_minor, goods.stock = 1_234_500, 50
    till = open_till(db.session, ctx.center, ctx.clerk)
    abroad = {"addressee_country": "TH", "addressee_name": "Somchai Jaidee",
              "addressee_address": "99 Sukhumvit Road, Khlong Toei, Bangkok 10110", **SENDER}
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 1_950, **abroad},
        {"service_id": ctx.service("EMS").id, "weight_g": 29_500, **abroad},
        {"goods_id": goods.id, "quantity": 9}], tendered_usd=3_000_000, rate=4100,
        paper="receipt-58mm")
    db.session.commit()
    return sale


def _text_boxes(box):
    if type(box).__name__ == "TextBox":
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


@pytest.mark.parametrize("paper", ["receipt-58mm", "receipt-80mm"])
def test_every_word_of_a_big_receipt_stays_on_the_roll(ctx, big_sale, paper):
    context = printing.receipt_context(big_sale, BASE)
    assert any(len(line["amount"]) >= 12 for line in context["lines"])  # "11,110,500 ៛"
    fmt = get_format(paper)
    (page,) = render_document("postal/receipt.html", [context], paper).pages
    left = fmt.margin_mm[3] * PX_PER_MM
    right = (fmt.width_mm - fmt.margin_mm[1]) * PX_PER_MM
    boxes = [(b.text, b.position_x, b.width) for b in _text_boxes(page._page_box)]
    assert len(boxes) > 40
    codes = code_boxes(page)  # the barcode and the QR codes
    assert len(codes) == 3
    boxes += [(element.get("class"), x, width) for element, x, _y, width, _h in codes]
    outside = [(text, round(x / PX_PER_MM, 1), round((x + width) / PX_PER_MM, 1))
               for text, x, width in boxes if x < left - 0.5 or x + width > right + 0.5]
    assert not outside, f"printed off the {paper} roll (text, from mm, to mm): {outside}"


def test_the_receipt_and_the_labels_scan(ctx, big_sale):
    items = [item for line in big_sale.lines for item in line.items if item.s10]
    assert len(items) == 2
    (found,) = scan(printing.render_receipt(big_sale, BASE), dpi=600)  # 1-dot modules
    assert ("Code128", big_sale.number) in found
    assert {text for kind, text in found if kind == "QRCode"} == {
        f"{BASE}track/{item.s10}" for item in items}
    for item in items:
        (label,) = scan(printing.render_label(item, BASE))
        assert sorted(label) == [("Code128", item.s10), ("QRCode", f"{BASE}track/{item.s10}")]
