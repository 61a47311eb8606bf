"""Documents and public surface that worked untested: the CN22 block and the Code 128
barcode on a label, four labels on one A4 page, the commercial-sample customs rule, and
the rate limit of the public tracking page."""

import io

import pytest

from core import documents
from core.extensions import db
from plugins.postal import printing
from plugins.postal.services_items import ItemError, save_customs
from plugins.postal.services_sales import create_sale
from plugins.postal.services_till import open_till
from tests.plugins.postal.conftest import SENDER

BASE = "http://ctc.example/"


@pytest.fixture
def letter(ctx):
    """A registered letter to Thailand (letter post: its customs form is a CN22)."""
    till = open_till(db.session, ctx.center, ctx.clerk)
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 200, "addressee_country": "TH",
         "addressee_name": "Somchai", "addressee_address": "99 Sukhumvit, Bangkok",
         **SENDER}], tendered_usd=10_000, rate=4100)
    return sale.lines[0].items[0]


def pdf_pages(data: bytes):
    import pypdf

    return pypdf.PdfReader(io.BytesIO(data)).pages


def declare_cn22(ctx, item):
    return save_customs(db.session, ctx.center, item, category="gift", explanation="",
                        gross_weight_g=200, total_value_minor=1_500, currency="USD",
                        form="CN22", lines=[{"description": "Silk scarf", "quantity": 1,
                                             "net_weight_g": 150, "value": 1_500}])


def test_label_carries_the_cn22_block(ctx, letter):
    plain = "\n".join(p.extract_text() for p in pdf_pages(printing.render_label(letter, BASE)))
    assert "CN 22" not in plain
    declare_cn22(ctx, letter)
    db.session.refresh(letter)
    text = "\n".join(p.extract_text() for p in pdf_pages(printing.render_label(letter, BASE)))
    assert "CN 22" in text and "CUSTOMS DECLARATION" in text
    assert "Silk scarf" in text and "$15.00" in text


def test_label_has_the_s10_as_code_128(ctx, letter):
    html = documents.render_html("postal/label.html", printing.label_context(letter, BASE),
                                 "label-100x150")
    bars = documents.barcode_svg(letter.s10, height_mm=16, module_width_mm=0.375, text=False)
    assert "<svg" in str(bars) and str(bars) in html
    assert str(documents.barcode_svg("RR000000000KH", height_mm=16, module_width_mm=0.375,
                                     text=False)) not in html
    spaced = letter.s10
    assert f"{spaced[:2]} {spaced[2:5]} {spaced[5:8]} {spaced[8:11]} {spaced[11:]}" in html


def test_four_labels_make_one_a4_page(ctx, letter):
    pages = pdf_pages(printing.render_label_sheet([letter] * 4, BASE))
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert round(width * 25.4 / 72) == 210 and round(height * 25.4 / 72) == 297
    assert pages[0].extract_text().count(letter.s10[:2] + " ") >= 4


def test_commercial_sample_needs_hs_code_and_origin(ctx, letter):
    lines = [{"description": "Coffee sample", "quantity": 1, "net_weight_g": 100,
              "value": 500, "hs_code": "090111"}]
    args = dict(category="sample", explanation="", gross_weight_g=200, total_value_minor=500,
                currency="USD", form="CN22")
    with pytest.raises(ItemError, match="HS code and origin are required"):
        save_customs(db.session, ctx.center, letter, lines=lines, **args)
    with pytest.raises(ItemError, match="HS code and origin are required"):
        save_customs(db.session, ctx.center, letter, **args,
                     lines=[dict(lines[0], hs_code="", origin_country="KH")])
    decl = save_customs(db.session, ctx.center, letter, **args,
                        lines=[dict(lines[0], origin_country="KH")])
    assert decl.lines[0].origin_country == "KH"


def test_public_tracking_is_rate_limited(make_app):
    app = make_app(RATELIMIT_PUBLIC="3 per minute")
    client = app.test_client()
    codes = [client.get("/track/RR473124829GB").status_code for _ in range(4)]
    assert codes[:3] == [404, 404, 404] and codes[3] == 429


def test_papers_abroad_print_numbers_as_dialled_from_abroad(ctx, letter):
    """Stored E.164 numbers are printed for people: international on a letter to Thailand
    (its label and customs form), national on a domestic item."""
    from plugins.postal.models import TillSession
    from tests.plugins.postal.conftest import ADDRESSEE

    assert printing.label_context(letter, BASE)["sender"]["phone"] == "+855 12 345 678"
    till = db.session.get(TillSession, letter.sale_line.sale.session_id)
    sale = create_sale(db.session, ctx.center, till, ctx.clerk, [
        {"service_id": ctx.service("REG").id, "weight_g": 100, **ADDRESSEE, **SENDER}],
        tendered_usd=10_000, rate=4100)
    context = printing.label_context(sale.lines[0].items[0], BASE)
    assert context["sender"]["phone"] == "012 345 678"
    assert context["addressee"]["phone"] == "017 888 999"
