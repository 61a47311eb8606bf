"""Spreadsheet exports (CSV and XLSX) that never run what a user typed as a formula.

A cell that starts with ``= + - @`` (or a tab or carriage return) is a formula to Excel
and LibreOffice: a name typed as ``=HYPERLINK(...)`` would run on the manager's computer.
Every export of core and of the plugins passes its text cells through here.
"""

from __future__ import annotations

import csv
import io
import numbers
from datetime import date

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """``value`` as text for a CSV cell, prefixed with ``'`` when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def safe_row(values) -> list:
    """A CSV row: numbers, dates and ``None`` left as they are, anything else (text, lazy
    translations, other objects) made safe text."""
    return [v if v is None or isinstance(v, numbers.Number | date) else safe_text(v)
            for v in values]


def to_csv(rows) -> str:
    """``rows`` (header included) as CSV text, every row through :func:`safe_row`.

    Lines end with CRLF, as RFC 4180 and Excel do. Pass numbers as numbers (``int``,
    ``Decimal``): a text cell such as ``"-0.5"`` is prefixed like any other formula-like
    text. There is no byte order mark here: it belongs to the download
    (``core.downloads.csv_response`` adds it).
    """
    out = io.StringIO()
    csv.writer(out).writerows(safe_row(row) for row in rows)
    return out.getvalue()


def append_row(sheet, values) -> None:
    """Append ``values`` to an openpyxl sheet; text that looks like a formula stays text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value[:1] in FORMULA_STARTS:
            cell.data_type = "s"
