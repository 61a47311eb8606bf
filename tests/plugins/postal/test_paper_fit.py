"""Postal papers with the worst a clerk can type: the longest names and addresses the
counter form takes (200 and 300 characters, Khmer and Latin), the longest place names of
Cambodia, a full CN22 block, long service and office names. Every word and code stays on
the label (100 × 150 mm), in its cell of the 4-up A4 sheet, on the CN23's A4 pages and on
the till report's roll; nothing is cut off by a box that clips."""

from __future__ import annotations

import pytest

from core.documents.formats import get_format
from core.documents.render import render_document
from core.extensions import db
from plugins.postal import printing
from plugins.postal.services_items import save_customs
from plugins.postal.services_sales import create_sale
from plugins.postal.services_till import open_till
from tests import paper

BASE = "http://ctc.example/"
# The longest place name of the gazetteer (commune, district, province), in both languages
# ("Tuol Svay Prey Ti Muoy, Boeng Keng Kang, Phnom Penh").
PLACE = {"province": "12", "district": "1213", "commune": "121306"}


KM_TAGS = {"sender": "អ្នកផ្ញើ", "addressee": "អ្នកទទួល"}


def party(prefix: str, script: str, **extra) -> dict:
    tag = KM_TAGS[prefix] if script == "km" else prefix.upper()
    name, address = ((paper.khmer(200, tag=tag), paper.khmer(300, tag=tag + "២"))
                     if script == "km" else (paper.latin(200, tag), paper.latin(300, tag + "2")))
    values = {"name": name, "phone": "+855 97 999 9999" if prefix == "sender" else "",
              "address": address, **extra}
    return {f"{prefix}_{k}": v for k, v in values.items()}


@pytest.fixture
def items(ctx):
    """A registered letter in Khmer inside Cambodia, with a service named at the longest
    too; an EMS item to Thailand in Latin capitals with a CN22 of three long lines."""
    center = ctx.center
    service = ctx.service("REG")
    service.name_en, service.name_km = paper.latin(200, "SERVICE"), paper.khmer(200, tag="សេវា")
    till = open_till(db.session, center, ctx.clerk)
    sale = create_sale(db.session, center, till, ctx.clerk, [
        {"service_id": service.id, "weight_g": 1_950, "addressee_country": "KH",
         **party("sender", "km", **PLACE), **party("addressee", "km", **PLACE)},
        {"service_id": ctx.service("EMS").id, "weight_g": 1_950, "addressee_country": "TH",
         **party("sender", "en", **PLACE), **party("addressee", "en")},
    ], tendered_usd=9_999_900, rate=4100)
    home, abroad = (line.items[0] for line in sale.lines)
    lines = [{"description": paper.latin(200, f"ITEM{n}"), "quantity": 999, "net_weight_g": 600,
              "value": 99_999, "hs_code": "0901110000", "origin_country": "KH"}
             for n in range(3)]
    save_customs(db.session, center, abroad, category="other",
                 explanation=paper.latin(300, "EXPLANATION"),
                 gross_weight_g=1_950, total_value_minor=3 * 99_999, currency="USD",
                 form="CN22", lines=lines)
    db.session.commit()
    db.session.refresh(abroad)
    return home, abroad


def long_office(center) -> None:
    center.name_en, center.name_km = paper.latin(200, "OFFICE"), paper.khmer(200, tag="ការិយាល័យ")


def label_values(context: dict) -> list[str]:
    """What a label must print whole."""
    parties = [context[p][k] for p in ("sender", "addressee")
               for k in ("name", "phone", "address", "place", "place_km", "country")]
    cn22 = context["cn22"] or {"explanation": "", "lines": []}
    return parties + [context[k] for k in ("service_km", "service_en", "office_km", "office",
                                           "s10_grouped", "date", "weight", "paid")] + [
        cn22["explanation"]] + [line["description"] for line in cn22["lines"]]


def check(document, page_format, pages=None, values=()):
    if pages is not None:
        assert len(document.pages) == pages, f"{len(document.pages)} pages"
    assert not paper.missing(document, values)
    off = paper.off_paper(document, page_format)
    cut = paper.clipped(document)
    assert not off and not cut, "\n".join(map(str, off + cut))
    assert not paper.split_clusters(document)
    assert not paper.cut_short(document)


@pytest.mark.parametrize("which", ["home", "abroad"])
def test_the_longest_label_fits_its_paper(ctx, items, which):
    item = items[0] if which == "home" else items[1]
    if which == "home":  # the office's names at their longest too (read when printed)
        long_office(item.center)
    contexts = printing.label_contexts(item, BASE)
    assert len(contexts[0]["addressee"]["address"]) >= 290
    assert len(contexts) == (2 if which == "abroad" else 1)  # the CN22 on a label of its own
    check(render_document("postal/label.html", contexts, "label-100x150"), "label-100x150",
          len(contexts), label_values(contexts[0]))



@pytest.mark.xfail(strict=True, reason="a known limit, see docs/documents.md (Paper fit)")
def test_every_field_at_its_longest_in_latin_capitals_is_more_than_a_label_holds(ctx, items):
    """Both parties at 500+ characters of Latin capitals AND a center named with 200
    characters in each language: ~1,500 characters, about 17 mm more than 100 × 150 mm
    holds at 6 pt. The label runs onto a second page."""
    item = items[1]
    long_office(item.center)
    (context, _cn22) = printing.label_contexts(item, BASE)
    check(render_document("postal/label.html", [context], "label-100x150"), "label-100x150", 1)


def caps(n: int, tag: str) -> str:
    """Exactly ``n`` characters of Latin capitals in words, starting with ``tag``."""
    text = paper.latin(n, tag)
    text += (" " if text and len(text) < n - 1 else "") + "M" * n
    return text[:n]


def fill(item, total: int) -> None:
    """Give the item's label ``total`` characters of Latin capitals (the widest text),
    shared like a real label's: names of the service and office, both parties."""
    item.service.name_en, item.service.name_km = caps(total // 20, "S"), caps(total // 20, "K")
    item.center.name_en, item.center.name_km = caps(total // 20, "O"), caps(total // 20, "C")
    item.sender_province = item.sender_district = item.sender_commune = ""
    item.sender_name, item.sender_phone = caps(total // 10, "F"), ""
    item.addressee_name = caps(total // 6, "T")
    item.addressee_address = caps(total // 3, "A")
    item.sender_address = ""
    item.sender_address = caps(total - printing.label_length(printing.label_context(item, BASE)),
                               "B")


@pytest.mark.parametrize("step", range(len(printing.LABEL_STEPS)))
def test_each_type_step_holds_as_much_as_it_takes(ctx, items, step):
    """At the upper limit of each type step (printing.LABEL_STEPS) the label still fits."""
    item = items[1]
    fill(item, printing.LABEL_STEPS[step])
    context = printing.label_context(item, BASE)
    assert printing.label_length(context) == printing.LABEL_STEPS[step]
    assert context["sizes"]["addressee"] == ("", "size-m", "size-s")[step]
    check(render_document("postal/label.html", [context], "label-100x150"), "label-100x150", 1,
          label_values({**context, "cn22": None}))  # the CN22 is on the next label


def test_four_up_sheet_keeps_each_label_in_its_cell(ctx, items):
    """The 4-up A4 sheet: the Khmer label, the Latin one and its CN22 label, each inside
    its own cell (a cell clips what runs out of it)."""
    home, abroad = items
    long_office(home.center)
    fmt = get_format("a4-label-sheet", **printing.LABEL_SHEET)
    contexts = printing.label_contexts(home, BASE) + printing.label_contexts(abroad, BASE)
    assert len(contexts) == 3
    document = render_document("postal/label.html", contexts, fmt)
    assert len(document.pages) == 1
    assert len(paper.cells(document.pages[0], fmt)) == 3
    out, cut = paper.out_of_cells(document, fmt), paper.clipped(document)
    assert not out and not cut, "\n".join(map(str, out + cut))
    assert not paper.missing(document, [v for c in contexts for v in label_values(c)])


def test_cn23_stays_inside_the_a4_margins(ctx, items):
    context = printing.customs_context(items[1].customs)
    document = render_document("postal/cn23.html", [context], "a4-portrait")
    check(document, "a4-portrait", values=[context["explanation"], context["total_value"]] + [
        line["description"] for line in context["lines"]] + [
        context[p][k] for p in ("sender", "addressee") for k in ("name", "address", "place")])


@pytest.mark.parametrize("paper_name", ["receipt-58mm", "receipt-80mm"])
def test_receipt_with_long_names_stays_on_the_roll(ctx, items, paper_name):
    """The receipt of the sale above: a 200-character service name in both languages, a
    clerk with a 200-character name (tests/plugins/postal/test_printed.py has the amounts)."""
    ctx.clerk.full_name = paper.latin(200, "CLERK")
    context = printing.receipt_context(items[0].sale_line.sale, BASE)
    check(render_document("postal/receipt.html", [context], paper_name), paper_name,
          values=[context["clerk"], context["total"]] + [
              line[k] for line in context["lines"] for k in ("km", "en", "amount")])


def test_till_report_stays_on_the_roll(ctx, items):
    """An X report naming the 200-character service, by a clerk with a 200-character name."""
    from plugins.postal.models import TillSession
    from plugins.postal.services_till import till_totals

    ctx.clerk.full_name = paper.latin(200, "CLERK")
    till = db.session.get(TillSession, items[0].sale_line.sale.session_id)
    context = printing.till_report_context(till, till_totals(db.session, till))
    document = render_document("postal/till_report.html", [context], "receipt-80mm")
    check(document, "receipt-80mm", values=[context["clerk"], context["total"]] + [
        s[k] for s in context["services"] for k in ("name", "net")])
