"""core/exports.py: what a user typed never runs as a spreadsheet formula."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.exports import append_row, safe_row, safe_text


@pytest.mark.parametrize("text", ["=1+1", "+855", "-2", "@SUM(A1)", "\tx", "=HYPERLINK(\"x\")"])
def test_formula_like_text_is_kept_as_text_in_csv(text):
    assert safe_text(text) == "'" + text


def test_plain_values_are_left_alone():
    assert safe_text("សុខ ដារា") == "សុខ ដារា" and safe_text(None) == ""
    assert safe_row(["=x", 12, -3, None, "ok"]) == ["'=x", 12, -3, None, "ok"]


def test_xlsx_cells_that_look_like_formulas_stay_text():
    book = Workbook()
    append_row(book.active, ["=1+1", 5, "Dara"])
    buf = io.BytesIO()
    book.save(buf)
    cells = [c for c in load_workbook(io.BytesIO(buf.getvalue())).active[1]]
    assert [c.value for c in cells] == ["=1+1", 5, "Dara"]
    assert cells[0].data_type == "s"
