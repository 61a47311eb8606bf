"""Certificate PDFs: one page each, stored bytes re-downloaded identically, Khmer layout,
the QR code's URL, the batch PDF and the ZIP of singles."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader

from core.documents.render import pdf_page_sizes_mm, render_document
from core.extensions import db
from plugins.training import certificates, rendering
from plugins.training.models import Certificate
from tests.plugins.training import helpers as h

STACKED = "ស្រីស្រស់ ក្សត្រិយ៍"
LONG_KM = "ព្រះករុណាព្រះបាទសម្តេចព្រះបរមនាថ នរោត្តម សីហមុនី ស្រីស្រស់ ក្សត្រិយ៍ " * 2


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _box_by_class(page, name):
    for box in _boxes(page._page_box):
        element = getattr(box, "element", None)
        if (element is not None and box.element_tag == "div"
                and name in (element.get("class") or "").split()):
            return box
    raise AssertionError(f"no box .{name}")


def _text_inside(box) -> tuple[str, bool]:
    """(the text laid out in ``box``, whether every glyph run stays inside its content box:
    left, right, bottom and top edges)."""
    left, top = box.content_box_x(), box.content_box_y()
    right, bottom = left + box.width, top + box.height
    texts, inside = [], True
    for child in _boxes(box):
        if type(child).__name__ == "TextBox":
            texts.append(child.text)
            inside &= child.position_x >= left - 0.5
            inside &= child.position_x + child.width <= right + 0.5
            inside &= child.position_y + child.height <= bottom + 0.5
            inside &= child.position_y >= top - 0.5  # raised vowel signs spill upward
    return "".join(texts), inside


def _context(name_km, name_en="Sreysros Ksatrey"):
    return rendering.add_size_classes(_raw_context(name_km, name_en))


def _raw_context(name_km, name_en):
    return {
        "number": "PP-01-CRT-2026-00001", "code": "ABCD-EFGH-JKMN-PQRS",
        "verify_url": "http://ctc.example/verify/ABCDEFGHJKMNPQRS",
        "name_km": name_km, "name_en": name_en, "course_title_en": "Digital literacy",
        "course_title_km": "អក្ខរកម្មឌីជីថល", "course_code": "DL101", "hours": 20,
        "hours_km": "២០", "start_date": date(2026, 3, 2), "end_date": date(2026, 3, 6),
        "issued_on": date(2026, 3, 6), "valid_until": None, "center_name_en": "Center",
        "center_name_km": "មជ្ឈមណ្ឌល", "trainers": "Keo Vannak", "signatory_name": "Sok Dara",
        "signatory_title": "Manager", "signature": "", "seal": "",
    }


@pytest.mark.parametrize("template", ["training/certificate.html",
                                      "training/certificate_plain.html"])
def test_khmer_name_with_stacked_consonants_lays_out_inside_its_box(app, template):
    with app.app_context():
        document = render_document(template, [_context(STACKED)], "a4-landscape")
        assert len(document.pages) == 1
        text, inside = _text_inside(_box_by_class(document.pages[0], "holder-km"))
        assert text.replace("\u200b", "") == STACKED  # shaped, not cut or substituted
        assert inside


def test_a_very_long_name_stays_on_one_page(app):
    with app.app_context():
        document = render_document("training/certificate.html", [_context(LONG_KM, "X" * 90)],
                                   "a4-landscape")
        assert len(document.pages) == 1
        _text, inside = _text_inside(_box_by_class(document.pages[0], "holder-km"))
        assert inside  # wrapped at word boundaries (khmer_wrap), extra lines clipped


def test_bulk_pdf_zip_and_stored_singles(app, factory, client):
    factory.center("PP-01")
    trainer = factory.user("trainer1", center_id=1, role="trainer")
    with app.app_context():
        c = h.center("PP-01")
        _crs, coh, _es = h.class_of(c, 3, trainer_ids=[trainer])
        db.session.commit()
        cohort_id = coh.id
    from tests.conftest import login

    login(client, "trainer1")
    response = client.post(f"/training/cohorts/{cohort_id}/issue")
    assert response.status_code == 302 and "/training/batches/" in response.location
    batch_url = response.location
    pdf = client.get(batch_url + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf_page_sizes_mm(pdf.data) == [(297.0, 210.0)] * 3
    archive = zipfile.ZipFile(io.BytesIO(client.get(batch_url + ".zip").data))
    assert len(archive.namelist()) == 3
    with app.app_context():
        certs = db.session.query(Certificate).order_by(Certificate.id).all()
        stored = {f"{x.number}.pdf": (x.id, x.pdf, x.code) for x in certs}
    for name in archive.namelist():
        cert_id, data, code = stored[name]
        assert archive.read(name) == data
        first = client.get(f"/training/certificates/{cert_id}.pdf").data
        assert first == data == client.get(f"/training/certificates/{cert_id}.pdf").data
        text = PdfReader(io.BytesIO(first)).pages[0].extract_text()
        assert f"http://localhost/verify/{code}" in text  # drawn per certificate
        assert "Digital literacy" in text and "Center PP-01" in text  # the shared background
        assert "-".join(code[i:i + 4] for i in range(0, 16, 4)) in text


def test_a_scanned_certificate_opens_its_verification_page(app, factory, client):
    """What a phone does with a printed certificate: the QR code on each page of the
    bulk PDF, read by a barcode reader, opens that holder's verification page."""
    from urllib.parse import urlsplit

    from tests.conftest import login
    from tests.core.test_document_codes_scan import scan

    factory.center("PP-01")
    trainer = factory.user("trainer1", center_id=1, role="trainer")
    with app.app_context():
        _crs, coh, _es = h.class_of(h.center("PP-01"), 2, trainer_ids=[trainer])
        db.session.commit()
        cohort_id = coh.id
    login(client, "trainer1")
    batch_url = client.post(f"/training/cohorts/{cohort_id}/issue").location
    pages = scan(client.get(batch_url + ".pdf").data, dpi=150)
    with app.app_context():
        holders = {c.code: c.holder_name_en for c in db.session.query(Certificate)}
    phone = app.test_client()  # anyone, signed in nowhere
    seen = set()
    for found in pages:
        ((kind, url),) = found
        assert kind == "QRCode" and url.startswith("http://localhost/verify/")
        code = url.rsplit("/", 1)[1]
        page = phone.get(urlsplit(url).path, headers={"Accept-Language": "en"})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-status="valid"' in html
        assert holders[code] in html
        seen.add(code)
    assert seen == set(holders)


def test_qr_code_encodes_the_absolute_verify_url(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        _crs, _coh, es = h.class_of(c, 1)
        cert, _ = certificates.issue_one(db.session, c, es[0], render=False)
        with app.test_request_context("/", base_url="https://ctc.example.org/"):
            context = rendering.context_for(cert, rendering.verify_url_prefix(), {
                "signature": "", "seal": ""})
        assert context["verify_url"] == f"https://ctc.example.org/verify/{cert.code}"
        assert rendering.verify_url_prefix("https://a.example/") == "https://a.example/verify/"


def test_bulk_pages_draw_the_qr_code_where_a_single_certificate_has_it(app):
    """A bulk issue is a layered batch: each page's own QR code must sit where the
    template puts it in a single certificate, and encode that certificate's verify URL."""
    from core.documents import render_batch
    from tests.core.test_document_vectors import code_boxes, code_rects, qr_cells, segno_cells

    with app.app_context():
        single = render_document("training/certificate.html", [_context(STACKED)],
                                 "a4-landscape")
        (qr_box,) = code_boxes(single.pages[0])
        contexts = [{**_context(STACKED), "verify_url": f"http://localhost/verify/CODE{i}"}
                    for i in range(2)]
        pdf = render_batch("training/certificate.html", contexts, "a4-landscape",
                           background_key=rendering.BACKGROUND_KEYS)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for i, page in enumerate(reader.pages):
        rects = code_rects(page)
        assert qr_cells(rects, qr_box, 0.55 * 96 / 25.4, 2) == segno_cells(
            f"http://localhost/verify/CODE{i}", mask=2)
