"""Inventory papers with the longest values the forms take: asset tags on the A4 label
sheet (each inside its own cell, the codes fitting the tag) and the stock-take count sheet
(inside the A4 margins). What a tag leaves out on purpose is marked with an ellipsis."""

from __future__ import annotations

import pytest

from core.documents.render import render_document
from core.extensions import db
from plugins.inventory import services, stock
from plugins.inventory.views_docs import SINGLE_TAG, count_sheet_context, tag_context
from tests import paper
from tests.plugins.inventory.conftest import asset_data

SHEET = "a4-label-sheet"
SERIAL = "WMW0" * 25  # 100 characters, no break opportunity (the last one differs)


@pytest.fixture
def crowded(app, ctx):
    """The center's names at 200 characters and its code at 16 (so the tags are the
    longest), a Khmer and a Latin asset at every maximum, a consumable at every maximum."""
    center, officer = ctx
    center.code = "BMC-SVAYCHEK-001"
    center.name_km, center.name_en = paper.khmer(200), paper.latin(200)
    makes = ((paper.latin(100, "MAKE"), paper.latin(100, "MODEL")),
             (paper.khmer(100, tag="ម៉ាក"), paper.khmer(100, tag="ម៉ូដែល")))
    assets = [services.create_asset(db.session, center, asset_data(
        make=make, model=model, serial=SERIAL[:-1] + str(n), location="computer_lab"),
        user=officer) for n, (make, model) in enumerate(makes)]
    stock.save_consumable(db.session, center, code="W" * 32, name=paper.latin(200, "PAPER"),
                          unit="REAMS-OF-500-SHEETS-A4-80GSM-BOX")
    stock.save_consumable(db.session, center, code="M" * 32, name=paper.khmer(200, "", "ក្រដាស"),
                          unit="W" * 31 + "M")
    take = stock.start_stock_take(db.session, center, "computer_lab", note=paper.khmer(500),
                                  user=officer)
    db.session.commit()
    assert len(assets[0].tag) == 22
    return center, assets, take


def check(document, page_format, cells=False, cut_short=(), values=()):
    assert paper.cut_short(document) == set(cut_short)
    assert not paper.missing(document, values)
    off = paper.out_of_cells(document, page_format) if cells else paper.off_paper(
        document, page_format)
    cut = paper.clipped(document)
    assert not off and not cut, "\n".join(map(str, off + cut))
    assert not paper.split_clusters(document)


@pytest.mark.parametrize("lang", ["km", "en"])
def test_tags_stay_inside_their_cells(app, crowded, lang):
    center, assets, _take = crowded
    with app.test_request_context(headers={"Accept-Language": lang}):
        contexts = [{"blank": True}] + [tag_context(a, center, f"https://ctc.example/inventory/"
                                                    f"assets/{a.id}") for a in assets]
        document = render_document("inventory/tag.html", contexts, SHEET)
    assert len(document.pages) == 1 and len(paper.cells(document.pages[0], SHEET)) == 3
    # on purpose: the center's name (two lines) and the make and model (one) end in "…"
    check(document, SHEET, cells=True, cut_short={"org", "title"},
          values=[c[k] for c in contexts[1:] for k in ("tag", "serial")])


def test_a_single_tag_stays_on_its_label(app, crowded):
    center, assets, _take = crowded
    with app.test_request_context(headers={"Accept-Language": "km"}):
        context = tag_context(assets[1], center, "https://ctc.example/inventory/assets/2")
        document = render_document("inventory/tag.html", [context], SINGLE_TAG)
    assert len(document.pages) == 1
    check(document, SINGLE_TAG, cut_short={"org", "title"}, values=[context["tag"], context["serial"]])


def test_count_sheet_stays_inside_the_a4_margins(app, crowded):
    center, _assets, take = crowded
    with app.test_request_context(headers={"Accept-Language": "km"}):
        context = count_sheet_context(take, center)
        document = render_document("inventory/count_sheet.html", [context], "a4-portrait")
    check(document, "a4-portrait", values=[context["center_name"], take.note] + [
        line[k] for line in context["lines"] for k in ("code", "name", "unit")] + [
        a[k] for a in context["assets"] for k in ("tag", "title", "serial")])
