"""core.documents: page formats, batches, ZIPs, barcodes, QR codes, the URL fetcher, lazy
import, copy marks, Khmer line breaking and embedded fonts.

One app for the module (rendering needs no database); renders are kept few and small.
"""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import zipfile

import pytest
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup
from pypdf import PdfReader

import core.documents as documents
from core import create_app
from core.documents import fetcher, formats, khmer, samples
from tests.conftest import PROJECT_DIR

MM = 72 / 25.4  # points per mm
LONG_KHMER = "ភូមិស្រែអំពិលឃុំព្រែកអញ្ចាញស្រុកមុខកំពូលខេត្តកណ្ដាលព្រះរាជាណាចក្រកម្ពុជា" * 2

TEST_TEMPLATES = {
    "test/fetch.html": (
        '{% extends "documents/base.html" %}{% block content %}'
        '<p>Hello</p><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">'
        '<img src="https://example.org/logo.png"><img src="../../../../../../etc/hostname">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAA=">'
        '<img src="documents.css">{% endblock %}'
    ),
    "test/wrap.html": (
        '{% extends "documents/base.html" %}{% block content %}'
        '<div id="box" style="width: 40mm">{{ text }}</div>{% endblock %}'
    ),
    "test/vars.html": (
        "{{ text }}|{{ markup }}|{{ 42 }}|{{ barcode('AB1', text=false) }}|"
        "{{ text|no_khmer_wrap }}"
    ),
}


@pytest.fixture(scope="module")
def app():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    documents.init_app(app)  # idempotent: the lead's create_app may already call it
    app.jinja_loader = ChoiceLoader([DictLoader(TEST_TEMPLATES), app.jinja_loader])
    return app


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def pdf_reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def page_sizes_pt(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in pdf_reader(pdf).pages]


def walk(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from walk(child)


# -- lazy import -------------------------------------------------------------------------------


def test_importing_documents_does_not_import_weasyprint():
    code = (
        "import sys\n"
        "import core.documents as d\n"
        "from flask import Flask\n"
        "app = Flask('x'); d.init_app(app)\n"
        "d.barcode_svg('ABC-1'); d.qr_svg('x'); d.khmer_wrap('សួស្តី ពិភពលោក')\n"
        "d.get_format('receipt-80mm').page_css()\n"
        "bad = [m for m in ('weasyprint', 'pydyf', 'fontTools') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# -- page formats --------------------------------------------------------------------------


@pytest.mark.parametrize("name, width_mm, height_mm", [
    ("label-100x150", 100, 150),
    ("a4-portrait", 210, 297),
    ("a4-landscape", 297, 210),
    ("a4-label-sheet", 210, 297),
])
def test_fixed_formats_have_their_paper_size(ctx, name, width_mm, height_mm):
    pdf = documents.render_pdf("documents/sample_tag.html", samples.tag(1), name)
    ((width, height),) = page_sizes_pt(pdf)
    assert width == pytest.approx(width_mm * MM, abs=0.05)
    assert height == pytest.approx(height_mm * MM, abs=0.05)


@pytest.mark.parametrize("name, width_mm", [("receipt-80mm", 80), ("receipt-58mm", 58)])
def test_receipt_rolls_are_as_long_as_their_content(ctx, name, width_mm):
    short = documents.render_pdf("documents/sample_receipt.html", samples.receipt(1, items=1), name)
    long = documents.render_pdf("documents/sample_receipt.html", samples.receipt(1, items=14), name)
    ((w1, h1),) = page_sizes_pt(short)
    ((w2, h2),) = page_sizes_pt(long)
    assert w1 == w2 == pytest.approx(width_mm * MM, abs=0.05)  # 80 mm = 226.77 pt
    assert 60 * MM < h1 < h2 < 400 * MM  # cut to the content, far below the 2 m layout page
    assert h2 - h1 > 13 * 5 * MM  # thirteen more item lines (two lines each on a receipt)
    box = pdf_reader(short).pages[0].mediabox
    assert (float(box.left), float(box.bottom)) == (0, 0)


def test_receipt_printable_width():
    assert formats.get_format("receipt-80mm").printable_width_mm == 72
    assert formats.get_format("receipt-58mm").printable_width_mm == 48
    assert "size: 80mm 2000.0mm" in formats.get_format("receipt-80mm").page_css()
    assert "size: 80mm;" in formats.get_format("receipt-80mm").page_css(layout=False)


def test_unknown_format_and_bad_sheet_options_are_refused():
    with pytest.raises(ValueError, match="unknown page format"):
        formats.get_format("letter")
    with pytest.raises(ValueError, match="do not fit"):
        formats.get_format("a4-label-sheet", columns=3, rows=200, gap_mm=2)


# -- batches and zips ----------------------------------------------------------------------


def test_batch_is_one_pdf_with_a_page_per_record(ctx):
    contexts = [samples.certificate(i) for i in range(4)]
    pdf = documents.render_batch("documents/sample_certificate.html", contexts, "a4-landscape")
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 4
    for i, page in enumerate(reader.pages):
        assert f"CERT-SR01-2025-{i:05d}" in page.extract_text()


def test_label_sheet_batch_fills_cells_then_pages(ctx):
    tags = [samples.tag(i) for i in range(30)]
    pdf = documents.render_batch("documents/sample_tag.html", tags, "a4-label-sheet")
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 2  # 3 x 8 = 24 a sheet
    assert "SR01-A00023" in reader.pages[0].extract_text()
    assert "SR01-A00024" in reader.pages[1].extract_text()

    two_by_two = formats.get_format("a4-label-sheet", columns=2, rows=2, gap_mm=4)
    assert two_by_two.cell_size_mm == (96.0, 136.5)
    pdf = documents.render_batch("documents/sample_tag.html", tags[:9], two_by_two)
    assert len(pdf_reader(pdf).pages) == 3


def test_zip_has_one_pdf_per_record(ctx):
    contexts = [samples.certificate(i) for i in range(3)]
    contexts.append(dict(samples.certificate(2)))  # same number: the name is de-duplicated
    data = documents.render_zip("documents/sample_certificate.html", contexts, "a4-landscape",
                                "number")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == ["CERT-SR01-2025-00000.pdf", "CERT-SR01-2025-00001.pdf",
                         "CERT-SR01-2025-00002.pdf", "CERT-SR01-2025-00002-2.pdf"]
        for name in names:
            reader = pdf_reader(archive.read(name))
            assert len(reader.pages) == 1
            assert name[:20] in reader.pages[0].extract_text()

    data = documents.render_zip("documents/sample_tag.html", [samples.tag(1)], "a4-label-sheet",
                                lambda c: f"../{c['tag']}/x")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["SR01-A00001-x.pdf"]


# -- barcodes and QR codes -----------------------------------------------------------------


def _bars_from_svg(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(w)) for x, w in re.findall(r"M([\d.]+) [\d.]+h([\d.]+)", svg)]


def test_barcode_is_inline_code128_svg_that_decodes_back():
    import barcode

    svg = str(documents.barcode_svg("CTC-000123", module_width_mm=0.3, text=False))
    assert svg.startswith("<svg ") and "<?xml" not in svg and "DOCTYPE" not in svg
    assert 'width="' in svg and "mm" in svg and "<path" in svg
    # Read the bars back as modules and compare with python-barcode's own encoding.
    bars = _bars_from_svg(svg)
    start = bars[0][0]
    modules = []
    for x, w in bars:
        offset = round((x - start) / 0.3)
        modules.extend("0" * (offset - len(modules)))
        modules.extend("1" * round(w / 0.3))
    expected = barcode.Code128("CTC-000123").build()[0]
    assert "".join(modules) == expected.rstrip("0")

    with_text = documents.barcode_svg("CTC-<1>")
    assert isinstance(with_text, Markup)
    assert '<span class="barcode-text">CTC-&lt;1&gt;</span>' in with_text
    assert 'aria-label="CTC-&lt;1&gt;"' in with_text


def test_qr_is_inline_svg_of_segnos_matrix():
    import segno

    data = "https://erp.ctc.gov.kh/v/CERT-SR01-2025-00001"
    svg = str(documents.qr_svg(data, scale=1, border=4))
    assert svg.startswith("<svg ") and "<?xml" not in svg and 'class="qr-svg"' in svg
    code = segno.make(data, error="m", micro=False)
    size = code.symbol_size(scale=1, border=4)[0]
    assert re.search(r'width="([\d.]+)mm"', svg).group(1) == f"{size:.1f}"
    # Rebuild the matrix from the path (runs of dark modules) and compare.
    path = re.search(r' d="([^"]+)"', svg).group(1)
    dark = set()
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(x) + i, int(y)) for i in range(int(float(a))))
            x += float(a)
    expected = {(c + 4, r + 4) for r, row in enumerate(code.matrix) for c, v in enumerate(row) if v}
    assert dark == expected


def test_barcode_and_qr_are_jinja_globals_and_stay_markup(ctx):
    from core.documents.environment import barcode_global

    assert ctx.jinja_env.globals["barcode"] is barcode_global  # barcode_svg, fitted to the page
    assert ctx.jinja_env.globals["qr"] is documents.qr_svg
    assert ctx.jinja_env.filters["khmer_wrap"] is documents.khmer_wrap
    from core.documents.environment import document_env

    out = document_env().get_template("test/vars.html").render(
        text="<b>សួស្តីពិភពលោក</b>", markup=Markup('<i title="ភាសាខ្មែរ">ភាសាខ្មែរ</i>'))
    text, markup, number, code, nowrap = out.split("|")
    assert text == "&lt;b&gt;សួស្តី\u200bពិភពលោក&lt;/b&gt;"  # escaped, and wrapped
    assert markup == '<i title="ភាសាខ្មែរ">ភាសា\u200bខ្មែរ</i>'  # attributes untouched
    assert number == "42"
    assert code.startswith('<svg class="barcode-svg"')
    assert nowrap == "&lt;b&gt;សួស្តីពិភពលោក&lt;/b&gt;"
    # The app's own environment is not affected by the documents' finalize.
    from flask import render_template_string

    with ctx.test_request_context():
        assert render_template_string("{{ t }}", t="សួស្តីពិភពលោក") == "សួស្តីពិភពលោក"


# -- the URL fetcher -----------------------------------------------------------------------


def test_fetcher_policy(tmp_path):
    roots = [r for r in fetcher.allowed_roots() if r.name in ("static",)]
    css = fetcher.DOCUMENTS_DIR / "static" / "documents.css"
    assert fetcher.resolve_file_url(css.as_uri(), roots) == css.resolve()
    refused = [
        "file:///etc/passwd",
        css.as_uri().replace("/static/documents.css", "/static/../../../../../../etc/passwd"),
        css.as_uri().replace("/static/documents.css", "/static/%2e%2e/fetcher.py"),
        "file://otherhost/etc/passwd",
        "http://127.0.0.1:9/x.png",
    ]
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    inside = tmp_path / "root"
    inside.mkdir()
    (inside / "link.txt").symlink_to(outside)
    refused.append((inside / "link.txt").as_uri())
    for url in refused:
        with pytest.raises(fetcher.FetchRefused):
            fetcher.resolve_file_url(url, roots + [inside.resolve()])


def test_allowed_roots_include_plugin_document_dirs_and_config(ctx, tmp_path):
    registry = ctx.extensions["ctc"]
    ctx.config["CTC_DOCUMENT_ROOTS"] = [str(tmp_path)]
    try:
        roots = fetcher.allowed_roots()
    finally:
        ctx.config.pop("CTC_DOCUMENT_ROOTS")
    from pathlib import Path

    for folder in registry.document_dirs:
        assert Path(folder).resolve() in roots
    assert tmp_path.resolve() in roots
    assert Path("/etc") not in roots and Path("/") not in roots


def test_render_fetches_nothing_outside_the_policy(ctx, monkeypatch):
    connects = []

    def no_network(*args, **kwargs):
        connects.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    from core.documents import render

    document = render.render_document("test/fetch.html", [{}], "a4-portrait")
    got = document.fetcher
    assert "http://127.0.0.1:9/x.png" in got.refused
    assert "file:///etc/passwd" in got.refused
    assert "https://example.org/logo.png" in got.refused
    assert any(u.endswith("/etc/hostname") for u in got.refused)
    assert "data:" in got.fetched
    assert any(u.endswith("/core/documents/static/documents.css") for u in got.fetched)
    assert connects == []
    assert document.write_pdf().startswith(b"%PDF-")


# -- copies and reprints -------------------------------------------------------------------


def test_copy_mark_and_identical_reprints(ctx):
    context = samples.receipt(7)
    original = documents.render_pdf("documents/sample_receipt.html", context, "receipt-80mm")
    again = documents.render_pdf("documents/sample_receipt.html", context, "receipt-80mm")
    copy = documents.render_pdf("documents/sample_receipt.html", context, "receipt-80mm",
                                copy=True)
    assert original == again  # a reprint reproduces the original, byte for byte
    assert "COPY" not in pdf_reader(original).pages[0].extract_text()
    assert "COPY" in pdf_reader(copy).pages[0].extract_text()
    html = documents.render_html("documents/sample_certificate.html", samples.certificate(1),
                                 "a4-landscape", copy=True)
    assert "COPY / ច្បាប់ចម្លង" in html


# -- Khmer -------------------------------------------------------------------------------------


def test_khmer_wrap_breaks_between_words_only():
    text = "ឃាត់ខ្លួនជនសង្ស័យ០៤នាក់ ករណីលួចខ្សែភ្លើង នៅស្រុកព្រៃនប់។ ស្ត្រី"
    wrapped = documents.khmer_wrap(text)
    assert khmer.strip_zwsp(wrapped) == text
    assert wrapped.count(khmer.ZWSP) >= 5
    for i, ch in enumerate(wrapped):
        if ch == khmer.ZWSP:
            assert "\u1780" <= wrapped[i + 1] <= "\u17b3"  # a new cluster starts after it
            assert wrapped[i - 1] != khmer.COENG
    assert "ស្ត្រី" in wrapped  # the cluster with two subscripts stays whole
    assert documents.khmer_wrap("Hello, world 12") == "Hello, world 12"
    assert documents.khmer_wrap(42) == 42
    marked = documents.khmer_wrap(Markup('<a title="ភាសាខ្មែរ">ភាសាខ្មែរ</a>'))
    assert isinstance(marked, Markup) and 'title="ភាសាខ្មែរ"' in marked


def _box_lines(document, element_id):
    from weasyprint.formatting_structure.boxes import LineBox

    box = next(b for page in document.pages for b in walk(page._page_box)
               if getattr(b, "element", None) is not None and b.element.get("id") == element_id)
    lines = [c for c in box.children if isinstance(c, LineBox)]
    left = box.content_box_x()
    widths = [max(c.position_x + c.margin_width() for c in line.children) - left
              for line in lines]
    return box.width, widths


def test_long_khmer_text_breaks_inside_a_40mm_box(ctx):
    from weasyprint import HTML

    from core.documents import render

    document = render.render_document("test/wrap.html", [{"text": LONG_KHMER}], "a4-portrait")
    width, lines = _box_lines(document, "box")
    assert width == pytest.approx(40 * 96 / 25.4)
    assert len(lines) > 1
    assert all(w <= width + 0.5 for w in lines), (width, lines)

    # The same text without khmer_wrap: one line, far wider than the box.
    state = render._state()
    fmt = formats.get_format("a4-portrait")
    sheets = render._stylesheets(state, render.document_env(), "test/wrap.html", fmt)
    raw = HTML(string=f'<div id="box" style="width: 40mm">{LONG_KHMER}</div>',
               url_fetcher=render.make_fetcher(state.roots)).render(
        stylesheets=sheets, font_config=state.font_config)
    width, lines = _box_lines(raw, "box")
    assert len(lines) == 1 and lines[0] > 3 * width


# -- fonts -------------------------------------------------------------------------------------


def _used_glyphs(font) -> set[int]:
    widths = font["/DescendantFonts"][0].get_object().get("/W", [])
    gids, i = set(), 0
    while i < len(widths):
        first = int(widths[i])
        if isinstance(widths[i + 1], list) or hasattr(widths[i + 1], "__iter__"):
            gids.update(range(first, first + len(widths[i + 1])))
            i += 2
        else:
            gids.update(range(first, int(widths[i + 1]) + 1))
            i += 3
    return gids


def test_pdf_embeds_the_bundled_noto_fonts_and_shapes_khmer(ctx):
    from fontTools.ttLib import TTFont

    from core.documents import fonts

    pdf = documents.render_pdf("documents/sample_label.html", samples.label(1), "label-100x150")
    page = pdf_reader(pdf).pages[0]
    names = {}
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor  # embedded, not referenced
        names[str(descriptor["/FontName"]).split("+", 1)[1]] = font
    assert "CTC-Noto-Sans" in names and "CTC-Noto-Sans-Khmer" in names, names
    assert all("Noto" in name for name in names), names  # no host font (DejaVu, ...)

    # Shaping: the Khmer font used glyphs that no character maps to (subscript consonant
    # forms, e.g. in ខ្លួន / ស្រ្តី), which only HarfBuzz's GSUB substitution produces.
    face = next(f for f in fonts.STATIC_FACES if f.family == fonts.KHMER and f.weight == 400)
    cmap_gids = {TTFont(fonts.static_face_path(face)).getGlyphID(name)
                 for name in TTFont(fonts.static_face_path(face)).getBestCmap().values()}
    used = _used_glyphs(names["CTC-Noto-Sans-Khmer"])
    assert used and used - cmap_gids, "no shaped (substituted) Khmer glyph in the PDF"


def test_layout_table_stripping_keeps_glyphs():
    from fontTools.ttLib import TTFont

    from core.documents import _speedups, fonts

    path = fonts.static_face_path(fonts.STATIC_FACES[-1])
    stripped = TTFont(io.BytesIO(_speedups._without_layout_tables(path.read_bytes(), 0)))
    original = TTFont(path)
    assert "GSUB" in original and "GSUB" not in stripped and "GPOS" not in stripped
    assert stripped.getGlyphOrder() == original.getGlyphOrder()


def test_pdf_without_harfbuzz_subset_goes_through_the_stripping_wrapper(ctx, monkeypatch):
    import weasyprint.pdf.fonts as pdf_fonts
    import weasyprint.text.ffi as text_ffi

    from core.documents import _speedups

    monkeypatch.setattr(text_ffi, "harfbuzz_subset", None)
    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", None)
    assert _speedups.apply()  # installs the wrapper (a no-op whenever HarfBuzz subsets)
    calls = []
    wrapper = pdf_fonts.Font._fonttools_subset
    monkeypatch.setattr(pdf_fonts.Font, "_fonttools_subset",
                        lambda self, *a: calls.append(self.family) or wrapper(self, *a))
    pdf = documents.render_pdf("documents/sample_tag.html", samples.tag(5), "a4-label-sheet")
    assert calls and "SR01-A00005" in pdf_reader(pdf).pages[0].extract_text()


# -- the browser version -------------------------------------------------------------------


def test_render_html_has_the_page_rule_and_served_fonts(ctx):
    with ctx.test_request_context():
        html = documents.render_html("documents/sample_receipt.html", samples.receipt(2),
                                     "receipt-80mm")
    assert html.startswith("<!DOCTYPE html>")
    assert "@page { size: 80mm; margin: 3mm 4mm 4mm 4mm; }" in html
    assert "/documents/assets/fonts/noto-sans-khmer.ttf" in html
    assert "file:" not in html
    assert 'class="ctc-document fmt-receipt-80mm"' in html
    response = ctx.test_client().get("/documents/assets/fonts/noto-sans-khmer.ttf")
    assert response.status_code == 200 and response.mimetype == "font/ttf"
    response.close()
    assert ctx.test_client().get("/documents/assets/fonts/passwd").status_code == 404


def test_a_barcode_too_wide_for_the_page_is_narrowed_to_whole_printer_dots(ctx):
    from core.documents.codes import DOT_MM, _module_count, fit_code128

    value = "PP-01-2026-000001"
    n = _module_count(value)
    assert fit_code128(value, 0.25, 3, 80) == (0.25, 3)  # fits: as asked
    module, quiet = fit_code128(value, 0.25, 3, n * 0.25 + 2 * 2.6)  # quiet zones give way
    assert module == 0.25 and 2.5 <= quiet < 3
    module, quiet = fit_code128(value, 0.25, 3, 48)  # a 58 mm roll: one dot a module
    assert module == DOT_MM and quiet == 10 * DOT_MM and n * module + 2 * quiet <= 48
    assert fit_code128(value, 0.375, 3, 70)[0] == 2 * DOT_MM  # 0.375 -> 0.25, whole dots
    # in a template, the page's printable width is the limit unless the template sets one
    wide = documents.render_html("documents/sample_receipt.html", samples.receipt(7),
                                 "receipt-58mm")
    narrow = documents.render_html("documents/sample_receipt.html", samples.receipt(7),
                                   "receipt-80mm")
    width = re.compile(r'<svg class="barcode-svg"[^>]*width="([\d.]+)mm"')
    assert float(width.search(wide).group(1)) <= 48 < float(width.search(narrow).group(1))
