"""The codes in our PDFs scan: each page is rasterised (PDFium) and read by a barcode
reader (ZXing), as a phone or a counter scanner would read the printed paper.

tests/core/test_document_vectors.py checks the modules drawn against python-barcode and
segno; this checks the result end to end, through a reader we did not write.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp

import core.documents as documents
from core.documents import samples


def scan(pdf: bytes, dpi: int = 300) -> list[list[tuple[str, str]]]:
    """(format, text) of every code a reader finds, page by page."""
    pages = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            pages.append(sorted((r.format.name, r.text) for r in zxingcpp.read_barcodes(image)))
    finally:
        document.close()
    return pages


# On a 58 mm roll the receipt number's barcode is narrowed to one printer dot a module
# (0.125 mm) to stay on the paper: a finer image, as a counter scanner sees it.
@pytest.mark.parametrize("paper, dpi", [("receipt-80mm", 300), ("receipt-58mm", 600)])
def test_a_printed_receipt_scans(documents_app, paper, dpi):
    tpl, _fmt = samples.SAMPLE_TEMPLATES["receipt"]
    context = samples.receipt(314)
    (found,) = scan(documents.render_pdf(tpl, context, paper), dpi=dpi)
    assert found == sorted([("Code128", context["number"]), ("QRCode", context["verify_url"])])


def test_each_page_of_a_layered_batch_scans_to_its_own_certificate(documents_app):
    """The person's QR code is drawn over the shared background on every page: each page
    must give its own address, not the first one's."""
    tpl, fmt = samples.SAMPLE_TEMPLATES["certificate"]
    contexts = [samples.certificate(n) for n in (7, 8, 9)]
    pdf = documents.render_batch(tpl, contexts, fmt, background_key=samples.CERTIFICATE_SHARED)
    assert scan(pdf, dpi=150) == [[("QRCode", c["verify_url"])] for c in contexts]


def test_a_shipping_label_scans(documents_app):
    tpl, fmt = samples.SAMPLE_TEMPLATES["label"]
    context = samples.label(5)
    (found,) = scan(documents.render_pdf(tpl, context, fmt))
    texts = dict((text, name) for name, text in found)
    assert texts.get(context["tracking"]) == "Code128"
    assert texts.get(context["track_url"]) == "QRCode"
