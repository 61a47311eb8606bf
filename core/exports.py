"""Spreadsheet exports (CSV and XLSX) that never run what a user typed as a formula.

A cell that starts with ``= + - @`` (or a tab or carriage return) is a formula to Excel
and LibreOffice: a name typed as ``=HYPERLINK(...)`` would run on the manager's computer.
Every export of core and of the plugins passes its text cells through here.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """``value`` as text for a CSV cell, prefixed with ``'`` when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def safe_row(values) -> list:
    """A CSV row: text cells made safe, numbers left as numbers."""
    return [safe_text(v) if isinstance(v, str) else v for v in values]


def append_row(sheet, values) -> None:
    """Append ``values`` to an openpyxl sheet; text that looks like a formula stays text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value[:1] in FORMULA_STARTS:
            cell.data_type = "s"
