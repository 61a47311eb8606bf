"""The register in and out: CSV import with a per-row error report, CSV and XLSX export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.auth.models import User
from core.exports import FORMULA_STARTS, safe_text, to_csv
from plugins.inventory.models import Asset, Loan
from plugins.inventory.services import InventoryError, create_asset, staff_of

IMPORT_COLUMNS = ("category", "make", "model", "serial", "location", "condition", "status",
                  "purchase_date", "cost", "currency", "funding_source", "warranty_end",
                  "custodian", "notes")
REQUIRED_COLUMNS = ("category", "location")
EXPORT_COLUMNS = ("tag", "category", "make", "model", "serial", "location", "condition",
                  "status", "purchase_date", "cost", "currency", "funding_source",
                  "warranty_end", "custodian", "borrower", "due_on", "notes")
HEADER_ALIASES = {"serial_number": "serial", "serial_no": "serial", "type": "category",
                  "room": "location", "price": "cost", "funding": "funding_source",
                  "warranty": "warranty_end", "note": "notes"}
MAX_IMPORT_ROWS = 5000


@dataclass
class ImportResult:
    created: list[Asset] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    fatal: object = ""


def _header(name: str) -> str:
    key = (name or "").strip().lower().replace(" ", "_").replace("-", "_")
    return HEADER_ALIASES.get(key, key)


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InventoryError(_l("The file is not text (save it as CSV, UTF-8)."))


def import_assets(session, center, text: str, *, user=None) -> ImportResult:
    """Register one asset per CSV row. Good rows are kept; bad rows are reported by line.

    Each row is saved in its own savepoint, so a row refused by the database (a serial
    registered meanwhile) leaves the others and takes no tag number. The caller commits.
    """
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        result.fatal = _l("The file is empty.")
        return result
    headers = {name: _header(name) for name in reader.fieldnames}
    missing = [c for c in REQUIRED_COLUMNS if c not in headers.values()]
    if missing:
        result.fatal = _l("Missing column(s): %(columns)s", columns=", ".join(missing))
        return result
    staff = {u.username.lower(): u for u in staff_of(session, center)}
    seen_serials: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            result.errors.append((number, _l("Stopped: at most %(n)s rows per file.", n=MAX_IMPORT_ROWS)))
            break
        row = {headers[k]: (v or "").strip() for k, v in raw.items() if k in headers}
        if not any(row.values()):
            continue
        if None in raw:  # more cells than headers
            result.errors.append((number, _l("This row has more cells than the header.")))
            continue
        serial = row.get("serial", "")
        if serial and serial in seen_serials:
            result.errors.append((number, _l("Serial number %(serial)s is also on line %(line)s.",
                                              serial=serial, line=seen_serials[serial])))
            continue
        custodian = row.pop("custodian", "")
        user_match: User | None = staff.get(custodian.lower()) if custodian else None
        row["custodian_id"] = user_match.id if user_match else None
        row["custodian_name"] = "" if user_match else custodian
        try:
            asset = create_asset(session, center, row, user=user)
        except InventoryError as exc:
            where = f"{exc.field}: " if exc.field else ""
            result.errors.append((number, where + str(exc)))
            continue
        if serial:
            seen_serials[serial] = number
        result.created.append(asset)
    return result


def cost_text(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    if currency == "USD":
        return f"{minor // 100}.{minor % 100:02d}"
    return str(minor)


_safe = safe_text  # keep spreadsheets from running a cell as a formula


def _open_loans(session, assets: list[Asset]) -> dict[int, Loan]:
    ids = [a.id for a in assets]
    loans = {}
    if ids:
        for loan in session.execute(sa.select(Loan).where(
                Loan.asset_id.in_(ids), Loan.returned_at.is_(None))).scalars():
            loans[loan.asset_id] = loan
    return loans


def _typed_rows(session, assets: list[Asset]) -> list[list]:
    """The register's rows with their own types: dates as dates, cost in minor units."""
    loans = _open_loans(session, assets)
    rows = []
    for a in assets:
        loan = loans.get(a.id)
        rows.append([
            a.tag, a.category, a.make, a.model, a.serial, a.location, a.condition, a.status,
            a.purchase_date, a.cost_minor, a.currency, a.funding_source, a.warranty_end,
            a.custodian.username if a.custodian else a.custodian_name,
            loan.borrower_name if loan else "", loan.due_on if loan else None, a.notes,
        ])
    return rows


COST_COLUMN = EXPORT_COLUMNS.index("cost")


def register_rows(session, assets: list[Asset]) -> list[list[str]]:
    """The register as CSV text cells (formula-like text prefixed with an apostrophe)."""
    rows = []
    for row in _typed_rows(session, assets):
        cells = []
        for index, value in enumerate(row):
            if index == COST_COLUMN:
                value = cost_text(value, row[COST_COLUMN + 1])
            elif isinstance(value, date):
                value = value.isoformat()
            cells.append(_safe(value))
        rows.append(cells)
    return rows


def export_csv(session, assets: list[Asset]) -> str:
    """The register as CSV text (the download adds the byte order mark Excel needs)."""
    return to_csv([EXPORT_COLUMNS, *register_rows(session, assets)])




def export_xlsx(session, assets: list[Asset], *, title: str = "Assets") -> bytes:
    """The register as a worksheet: the cost a number (dollars with cents, whole riel),
    dates real dates. Text is always written as text (never a formula); text starting
    with = + - or @ also gets Excel's "quote prefix" style, so editing the cell keeps it
    text, without a visible apostrophe."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(EXPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(_typed_rows(session, assets), start=2):
        currency = row[COST_COLUMN + 1]
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if c - 1 == COST_COLUMN:
                if value is None:
                    continue
                if currency == "USD":
                    cell.value = Decimal(value) / 100
                    cell.number_format = "#,##0.00"
                else:
                    cell.value = value
                    cell.number_format = "#,##0"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif value is None or value == "":
                continue
            else:
                text = str(value)
                cell.value = text
                cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
                if text.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True
    ws.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLMNOPQ", (14, 12, 14, 16, 18, 14, 10, 12, 12, 10, 8,
                                                    18, 12, 16, 18, 12, 30), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SAMPLE_HEADER = ("category,make,model,serial,location,condition,purchase_date,cost,currency,"
                 "funding_source,warranty_end,custodian,notes")
# A lab of 20 computers, as in docs/inventory.md.
SAMPLE_CSV = SAMPLE_HEADER + "\n" + "".join(
    f"desktop,Dell,OptiPlex 3000,DL-3000-{n:04d},computer_lab,new,2026-01-15,450.00,USD,"
    f"Ministry grant 2026,2029-01-15,,Seat {n}\n" for n in range(1, 21))
