"""Files sent to the browser: PDFs, CSV and XLSX sheets, ZIP archives, other bytes.

Every download of core and of the plugins goes through here, so each carries:

- the right ``Content-Type``;
- a ``Content-Disposition`` built by werkzeug: ``inline`` (shown in the browser) or
  ``attachment`` (saved), with ``filename*=UTF-8''...`` when the name is not ASCII (a
  Khmer name) and always a plain ASCII ``filename`` for clients that ignore ``filename*``;
- ``Cache-Control: private, no-store``: receipts, certificates, registers and reports hold
  personal data, so neither a shared cache nor the browser's disk keeps them;
- ``X-Content-Type-Options: nosniff``: the browser trusts the type and never guesses.

CSV is UTF-8 with a byte order mark, without which Excel reads Khmer as mojibake; rows
given as lists pass through :func:`core.exports.to_csv` (the formula guard).
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from urllib.parse import quote

from flask import Response, send_file

from core.exports import to_csv

PDF = "application/pdf"
CSV = "text/csv"  # werkzeug adds "; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
BOM = "\ufeff"

# RFC 5987 attr-char: what ``filename*`` may carry unescaped (werkzeug's send_file uses it).
_ATTR_CHARS = "!#$&+-.^_`|~"


def ascii_filename(filename: str, default: str = "download") -> str:
    """An ASCII stand-in for ``filename``: accents dropped, other letters (Khmer) left out,
    runs of anything else made one ``-``; ``default`` when nothing is left of the stem."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""

    def simple(text: str) -> str:
        text = "".join(ch if ch.isascii() else " " for ch in unicodedata.normalize("NFKD", text)
                       if unicodedata.category(ch) != "Mn")  # é -> e; Khmer -> gaps
        return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-_. ")

    stem, ext = simple(stem) or default, simple(ext)
    return f"{stem}.{ext}" if ext else stem


def _clean(filename: str) -> str:
    """The last path segment, without control characters (a newline would split the header)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name or "download"


def file_response(data: bytes | os.PathLike, filename: str, mimetype: str | None = None, *,
                  inline: bool = False) -> Response:
    """``data`` (bytes, or the path of a file on disk, streamed) as a download named
    ``filename``; the type is guessed from the name when not given
    (``application/octet-stream`` when unknown). ``inline`` shows it in the browser."""
    name = _clean(filename)
    mimetype = mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if isinstance(data, os.PathLike):
        response = send_file(data, mimetype=mimetype)  # streamed; ranges and ETag
    else:
        response = Response(data, mimetype=mimetype)
    if name.isascii():
        params = {"filename": name}  # werkzeug quotes it when it has to
    else:
        params = {"filename": ascii_filename(name),
                  "filename*": "UTF-8''" + quote(name, safe=_ATTR_CHARS)}
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", **params)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> Response:
    """A PDF, shown in the browser's viewer unless ``inline=False``."""
    return file_response(data, filename, PDF, inline=inline)


def csv_response(text_or_rows, filename: str) -> Response:
    """A CSV attachment: ``text`` as it is, or rows (lists, header first) through
    :func:`core.exports.to_csv`; UTF-8 with one byte order mark."""
    if isinstance(text_or_rows, bytes | bytearray):
        raise TypeError("csv_response takes text or rows, not bytes")
    text = text_or_rows if isinstance(text_or_rows, str) else to_csv(text_or_rows)
    text = text.removeprefix(BOM)
    return file_response((BOM + text).encode("utf-8"), filename, CSV)


def xlsx_response(data: bytes, filename: str) -> Response:
    """An Excel workbook (openpyxl's ``save`` output) as an attachment."""
    return file_response(data, filename, XLSX)


def zip_response(data: bytes, filename: str) -> Response:
    """A ZIP archive as an attachment."""
    return file_response(data, filename, ZIP)
