"""core/downloads.py: every file sent to the browser carries the same headers; CSV is UTF-8
with a byte order mark and passes through the formula guard of core/exports.py."""

import csv
import io
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from flask_babel import lazy_gettext
from werkzeug.http import parse_options_header

from core.downloads import (
    ascii_filename,
    csv_response,
    file_response,
    pdf_response,
    xlsx_response,
    zip_response,
)
from core.exports import to_csv

BOM = b"\xef\xbb\xbf"
KHMER_NAME = "វិញ្ញាបនបត្រ សុខ ដារា.pdf"


def disposition(response):
    return parse_options_header(response.headers["Content-Disposition"])


def assert_private(response):
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pdf_is_shown_inline_and_never_cached(app):
    with app.test_request_context():
        r = pdf_response(b"%PDF-1.7 x", "receipt-PP-01-2026-000001.pdf")
    assert r.mimetype == "application/pdf" and r.get_data() == b"%PDF-1.7 x"
    assert r.headers["Content-Disposition"] == "inline; filename=receipt-PP-01-2026-000001.pdf"
    assert r.content_length == len(b"%PDF-1.7 x")
    assert_private(r)
    with app.test_request_context():
        saved = pdf_response(b"%PDF", "a.pdf", inline=False)
    assert disposition(saved) == ("attachment", {"filename": "a.pdf"})


def test_csv_rows_start_with_a_bom_and_pass_the_formula_guard(app):
    rows = [["name", "phone", "total", "day"],
            ["=HYPERLINK(\"http://x\")", "+855 12 345 678", -1500, date(2026, 3, 1)],
            ["សុខ ដារា", "@SUM(A1)", Decimal("-0.523456"), None]]
    with app.test_request_context():
        r = csv_response(rows, "trainees.csv")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert disposition(r) == ("attachment", {"filename": "trainees.csv"})
    assert_private(r)
    body = r.get_data()
    assert body.startswith(BOM) and not body.startswith(BOM * 2)
    assert body.endswith(b"\r\n")  # RFC 4180 line ends, as Excel writes them
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert parsed == [["name", "phone", "total", "day"],
                      ["'=HYPERLINK(\"http://x\")", "'+855 12 345 678", "-1500", "2026-03-01"],
                      ["សុខ ដារា", "'@SUM(A1)", "-0.523456", ""]]


def test_csv_text_gets_exactly_one_bom(app):
    with app.test_request_context():
        plain = csv_response("a,b\r\nសុខ,1\r\n", "x.csv").get_data()
        marked = csv_response("\ufeffa,b\r\nសុខ,1\r\n", "x.csv").get_data()
    assert plain == marked == BOM + "a,b\r\nសុខ,1\r\n".encode()
    with pytest.raises(TypeError):
        csv_response(b"a,b\r\n", "x.csv")


def test_khmer_filename_has_filename_star_and_an_ascii_fallback(app):
    with app.test_request_context():
        r = pdf_response(b"%PDF", KHMER_NAME)
    header = r.headers["Content-Disposition"]
    assert header.isascii()
    assert "filename=download.pdf" in header
    star = header.split("filename*=", 1)[1]
    assert star.startswith("UTF-8''") and unquote(star[len("UTF-8''"):]) == KHMER_NAME
    # A browser that reads filename* saves the Khmer name.
    assert disposition(r) == ("inline", {"filename": KHMER_NAME})


@pytest.mark.parametrize(("name", "fallback"), [
    ("certificate-សុខ-PP-01.pdf", "certificate-PP-01.pdf"),
    ("Café menu.csv", "Cafe-menu.csv"),
    ("សុខ", "download"),
    ("របាយការណ៍.xlsx", "download.xlsx"),
])
def test_ascii_fallback(name, fallback):
    assert ascii_filename(name) == fallback


def test_names_lose_paths_and_line_breaks(app):
    with app.test_request_context():
        r = file_response(b"{}", "../../etc/a\r\nSet-Cookie: x.json", "application/json")
    assert "\n" not in r.headers["Content-Disposition"]
    assert disposition(r)[1]["filename"] == "aSet-Cookie: x.json"
    assert r.mimetype == "application/json"
    assert_private(r)


def test_xlsx_and_zip_are_attachments_with_their_types(app):
    with app.test_request_context():
        xlsx = xlsx_response(b"PK\x03\x04", "sales.xlsx")
        archive = zip_response(b"PK\x03\x04", "certificates-1-2.zip")
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert archive.mimetype == "application/zip"
    for r, name in ((xlsx, "sales.xlsx"), (archive, "certificates-1-2.zip")):
        assert disposition(r) == ("attachment", {"filename": name})
        assert_private(r)


def test_a_file_on_disk_is_streamed_with_the_same_headers(app, tmp_path):
    path = tmp_path / "0a1b2c.pdf"
    path.write_bytes(b"%PDF-1.4 stored")
    with app.test_request_context():
        r = file_response(path, "submission-7.pdf")
        r.direct_passthrough = False
        assert r.get_data() == b"%PDF-1.4 stored"
    assert r.mimetype == "application/pdf"  # guessed from the name
    assert disposition(r) == ("attachment", {"filename": "submission-7.pdf"})
    assert_private(r)
    with app.test_request_context():
        unknown = file_response(b"x", "notes.zzz-unknown")
    assert unknown.mimetype == "application/octet-stream"


def test_to_csv_guards_text_and_leaves_numbers_and_dates():
    text = to_csv([["-2", -2, 1.5, date(2026, 1, 2), None, lazy_gettext("=x"), True]])
    assert text == "'-2,-2,1.5,2026-01-02,,'=x,True\r\n"
    assert to_csv([]) == ""
