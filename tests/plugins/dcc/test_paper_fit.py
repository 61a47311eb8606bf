"""DCC certificates on paper: award and participation, with the longest holder names,
prize and competition titles the forms take (200 characters, Khmer and Latin) and the
longest center names, stay on one A4 landscape page and inside their frame.

The certificate is built with plugins.dcc.results.certificate_context from records that
are never saved (the context function is what the template reads)."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.documents.render import render_document
from core.tenancy import Center
from plugins.dcc.competition_models import Competition, DccCertificate
from plugins.dcc.results import certificate_context
from tests import paper
from tests.core.test_document_vectors import code_boxes

FORMAT = "a4-landscape"


def context(kind: str) -> dict:
    center = Center(code="BMC-SVAYCHEK-001", name_en=paper.latin(200, "CENTER"),
                    name_km=paper.khmer(200, tag="មជ្ឈមណ្ឌល"))
    competition = Competition(title_en=paper.latin(200, "CONTEST"),
                              title_km=paper.khmer(200, "", "ការប្រកួត"), center=center)
    cert = DccCertificate(
        kind=kind, number="DCC-BMC-SVAYCHEK-001-2026-000123", code="7KQ2M9XW4RT8HJ3N",
        holder_name_en=paper.latin(200, "HOLDER"), holder_name_km=paper.khmer(200, tag="ឈ្មោះ"),
        rank=12 if kind == "award" else None, issued_at=datetime(2026, 11, 22, 9, 30),
        prize_title_en=paper.latin(200, "PRIZE") if kind == "award" else "",
        prize_title_km=paper.khmer(200, tag="រង្វាន់") if kind == "award" else "",
        competition=competition)
    return certificate_context(cert, "https://ctc.example.org/verify/7KQ2M9XW4RT8HJ3N")


def frame_of(document):
    for box in paper.walk(document.pages[0]._page_box):
        element = getattr(box, "element", None)
        if element is not None and "frame" in (element.get("class") or "").split():
            x, y = box.border_box_x(), box.border_box_y()
            return x, y, x + box.border_width(), y + box.border_height()
    raise AssertionError("no frame")


@pytest.mark.parametrize("kind", ["award", "participation"])
def test_the_longest_certificate_stays_in_its_frame(app, kind):
    with app.test_request_context():
        ctx = context(kind)
        document = render_document("dcc/certificate.html", [ctx], FORMAT)
    cert, competition = ctx["cert"], ctx["competition"]
    assert not paper.missing(document, [
        cert.holder_name_km, cert.holder_name_en, cert.prize_title_km, cert.prize_title_en,
        competition.title_km, competition.title_en, ctx["center_name_km"], ctx["center_name_en"],
        cert.number, cert.code])
    assert len(document.pages) == 1, f"{len(document.pages)} pages"
    # the verification block is the last thing printed: it must be there, whole
    assert len(code_boxes(document.pages[0])) == 1
    printed = " ".join(text for text, *_ in paper.printed(document.pages[0]))
    assert "DCC-BMC-SVAYCHEK-001-2026-000123" in printed and "7KQ2M9XW4RT8HJ3N" in printed
    off = paper.off_paper(document, FORMAT)
    out = [found for page in document.pages
           for found in paper.outside(paper.printed(page), frame_of(document))]
    cut = paper.clipped(document)
    assert not off and not out and not cut, "\n".join(map(str, off + out + cut))
    assert not paper.split_clusters(document) and not paper.cut_short(document)
