"""core.documents.vector: codes drawn into the PDF at their boxes, layered batches.

The checks read the PDF's content streams back (pypdf) and rebuild the modules from the
rectangles drawn, so a code drawn in the wrong place, with a module missing or out of
order, fails here.
"""

from __future__ import annotations

import io
import re
import zipfile

import barcode
import segno
from pypdf import PdfReader

import core.documents as documents
from core.documents import samples, vector
from core.documents.render import render_document

PX_PER_PT = 96 / 72
MM_PER_PX = 25.4 / 96
RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re")
SHARED = samples.CERTIFICATE_SHARED


def code_rects(page) -> list[tuple[float, float, float, float]]:
    """The rectangles of the codes drawn on a PDF page, in CSS px from its top-left."""
    data = page.get_contents().get_data()
    block = data[data.rindex(b"q 0 g"):]
    block = block[:block.index(b"f Q")]
    return [tuple(float(v) * PX_PER_PT for v in m.groups()) for m in RECT.finditer(block)]


def code_boxes(document_page) -> list[tuple[object, float, float, float, float]]:
    """(element, x, y, width, height) of each code placeholder laid out on a page."""
    out, stack = [], [document_page._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and element.get(vector.ATTRIBUTE) is not None:
            out.append((element, box.border_box_x(), box.border_box_y(), box.border_width(),
                        box.border_height()))
            continue
        stack.extend(getattr(box, "children", ()))
    return sorted(out, key=lambda b: (b[2], b[1]))


def inside(rect, box) -> bool:
    x, y, w, h = rect
    _el, bx, by, bw, bh = box
    return bx - 0.5 <= x and x + w <= bx + bw + 0.5 and by - 0.5 <= y and y + h <= by + bh + 0.5


def qr_cells(rects, box, module_px: float, border: int) -> set[tuple[int, int]]:
    _el, bx, by, _bw, _bh = box
    cells = set()
    for x, y, w, _h in rects:
        row = round((y - by) / module_px) - border
        first = round((x - bx) / module_px) - border
        cells.update((row, first + i) for i in range(round(w / module_px)))
    return cells


def segno_cells(data: str, mask=None) -> set[tuple[int, int]]:
    matrix = segno.make(data, error="m", micro=False, mask=mask).matrix
    return {(r, c) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}


def bar_modules(rects, box, module_px: float, quiet_px: float) -> str:
    _el, bx, _by, _bw, _bh = box
    modules: list[str] = []
    for x, _y, w, _h in sorted(rects):
        start = round((x - bx - quiet_px) / module_px)
        modules.extend("0" * (start - len(modules)))
        modules.extend("1" * round(w / module_px))
    return "".join(modules)


def test_receipt_codes_are_drawn_as_vectors_at_their_boxes(documents_app):
    """The receipt's barcode and QR code: no SVG in the layout, the exact modules of
    python-barcode's Code 128 and segno's QR code, each inside its own box."""
    tpl, fmt = samples.SAMPLE_TEMPLATES["receipt"]
    context = samples.receipt(42)
    document = render_document(tpl, [context], fmt)
    boxes = code_boxes(document.pages[0])
    assert [b[0].get("class") for b in boxes] == ["ctc-code barcode-svg", "ctc-code qr-svg"]
    page = PdfReader(io.BytesIO(documents.render_pdf(tpl, context, fmt))).pages[0]
    rects = code_rects(page)
    bar_box, qr_box = boxes
    bars = [r for r in rects if inside(r, bar_box)]
    squares = [r for r in rects if inside(r, qr_box)]
    assert len(bars) + len(squares) == len(rects) > 0

    px = 96 / 25.4
    # the receipt's barcode(number, height_mm=10, module_width_mm=0.25), 3 mm quiet zones
    expected = barcode.Code128(context["number"]).build()[0].rstrip("0")
    assert bar_modules(bars, bar_box, 0.25 * px, 3 * px) == expected
    assert all(abs(h - 10 * px) < 0.2 for _x, _y, _w, h in bars)
    # qr(verify_url, scale=0.45, border=2)
    assert qr_cells(squares, qr_box, 0.45 * px, 2) == segno_cells(context["verify_url"])


def test_html_view_keeps_inline_svg(documents_app):
    tpl, _fmt = samples.SAMPLE_TEMPLATES["receipt"]
    html = documents.render_html(tpl, samples.receipt(1), "receipt-80mm")
    assert html.count("<svg") == 2 and vector.ATTRIBUTE not in html


def test_a_stylesheet_may_resize_a_code(documents_app):
    """The inventory tag sizes its QR box to 19 mm: the code is scaled to fill it."""
    from jinja2 import DictLoader

    loader = documents_app.jinja_loader
    documents_app.extensions.pop("ctc.documents", None)
    documents_app.jinja_loader = DictLoader({"t/big.html": (
        '{% extends "documents/base.html" %}{% block content %}'
        '<div class="big">{{ qr("HELLO", scale=0.5, border=0) }}</div>{% endblock %}'),
        "t/big.css": ".big .ctc-code { width: 42mm; height: 42mm; }"})
    try:
        document = render_document("t/big.html", [{}], "a4-portrait")
        (box,) = code_boxes(document.pages[0])
        assert abs(box[3] * MM_PER_PX - 42) < 0.1
        page = PdfReader(io.BytesIO(documents.render_pdf("t/big.html", {}, "a4-portrait")))
        rects = code_rects(page.pages[0])
        side = len(segno.make("HELLO", error="m", micro=False).matrix)
        assert qr_cells(rects, box, box[3] / side, 0) == segno_cells("HELLO")
    finally:
        documents_app.jinja_loader = loader
        documents_app.extensions.pop("ctc.documents", None)


def _forms(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Form", pdf))


def test_layered_batch_lays_each_background_out_once(documents_app):
    tpl, fmt = samples.SAMPLE_TEMPLATES["certificate"]
    contexts = [samples.certificate(i) for i in range(4)]
    contexts[3] = {**contexts[3], "issued_on": "2025-04-01"}  # a second background
    document = render_document(tpl, contexts, fmt, background_key=SHARED)
    assert document.ctc_backgrounds == {0: [2, 3, 4], 1: [5]}
    pdf = documents.render_batch(tpl, contexts, fmt, background_key=SHARED)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 4
    assert _forms(pdf) == 2
    for i, page in enumerate(reader.pages):
        text = page.extract_text()  # follows the page into its background form
        assert f"Ms Chan Sopheap {i}" in text and f"CERT-SR01-2025-{i:05d}" in text
        assert "Computer and Office Basics" in text
        assert ("2025-04-01" in text) == (i == 3)
        own = page.get_contents().get_data()
        assert b"Do" in own and b"Computer" not in own  # the shared text is in the form
        squares = code_rects(page)
        assert len(squares) > 20  # each page draws its own QR code
    # the whole render, for comparison, draws every page in full
    whole = documents.render_batch(tpl, contexts, fmt)
    assert _forms(whole) == 0 and len(PdfReader(io.BytesIO(whole)).pages) == 4


def test_layered_batch_falls_back_when_a_record_needs_two_pages(documents_app):
    from jinja2 import DictLoader

    loader = documents_app.jinja_loader
    documents_app.extensions.pop("ctc.documents", None)
    documents_app.jinja_loader = DictLoader({"t/long.html": (
        '{% extends "documents/base.html" %}{% block content %}'
        '{% if part != "overlay" %}<p>Shared</p>{% endif %}'
        '{% if part != "background" %}{% for _ in range(n) %}<p>{{ name }}</p>{% endfor %}'
        "{% endif %}{% endblock %}")})
    try:
        contexts = [{"name": "A", "n": 1}, {"name": "B", "n": 120}]
        pdf = documents.render_batch("t/long.html", contexts, "a4-portrait",
                                     background_key=())
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) >= 3 and _forms(pdf) == 0
        assert "Shared" in reader.pages[0].extract_text()
        assert "Shared" in reader.pages[1].extract_text()  # B starts whole on page 2
    finally:
        documents_app.jinja_loader = loader
        documents_app.extensions.pop("ctc.documents", None)


def test_layered_zip_members_are_whole_certificates(documents_app):
    tpl, fmt = samples.SAMPLE_TEMPLATES["certificate"]
    contexts = [samples.certificate(i) for i in range(3)]
    data = documents.render_zip(tpl, contexts, fmt, "number", background_key=SHARED)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [f"CERT-SR01-2025-{i:05d}.pdf" for i in range(3)]
        for i, name in enumerate(names):
            pdf = archive.read(name)
            reader = PdfReader(io.BytesIO(pdf))
            assert len(reader.pages) == 1 and _forms(pdf) == 1
            text = reader.pages[0].extract_text()
            assert f"Ms Chan Sopheap {i}" in text and "Computer and Office Basics" in text
