"""Daily sales by service and by clerk; today's figures for the dashboard; CSV and XLSX."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from core import clock
from core.exports import append_row, to_csv
from core.extensions import db
from plugins.postal.models import Sale, SaleLine
from plugins.postal.models_items import Item


def daily_sales(session, center, day: date) -> dict:
    start, end = clock.day_bounds(day, center)
    within = (Sale.center_id == center.id, Sale.created_at >= start, Sale.created_at < end)
    by_service = session.execute(
        sa.select(SaleLine.description_en,
                  sa.func.sum(sa.case((Sale.kind == "sale", SaleLine.quantity),
                                      else_=-SaleLine.quantity)),
                  sa.func.sum(SaleLine.net_khr), sa.func.sum(SaleLine.vat_khr))
        .join(Sale, Sale.id == SaleLine.sale_id).where(*within)
        .group_by(SaleLine.description_en).order_by(SaleLine.description_en)).all()
    from core.auth.models import User

    by_clerk = session.execute(
        sa.select(User.username, User.full_name,
                  sa.func.sum(sa.case((Sale.kind == "sale", 1), else_=0)),
                  sa.func.sum(sa.case((Sale.kind != "sale", 1), else_=0)),
                  sa.func.sum(Sale.net_khr), sa.func.sum(Sale.vat_khr),
                  sa.func.sum(Sale.total_khr))
        .join(User, User.id == Sale.clerk_id).where(*within)
        .group_by(User.username, User.full_name).order_by(User.username)).all()
    services = [{"service": name, "quantity": int(qty or 0), "net_khr": int(net or 0),
                 "vat_khr": int(vat or 0), "total_khr": int(net or 0) + int(vat or 0)}
                for name, qty, net, vat in by_service]
    clerks = [{"clerk": full or user, "sales": int(n or 0), "reversals": int(r or 0),
               "net_khr": int(net or 0), "vat_khr": int(vat or 0), "total_khr": int(tot or 0)}
              for user, full, n, r, net, vat, tot in by_clerk]
    return {"day": day, "services": services, "clerks": clerks,
            "total_khr": sum(c["total_khr"] for c in clerks),
            "vat_khr": sum(c["vat_khr"] for c in clerks)}


SERVICE_HEADER = ["day", "service", "quantity", "net_khr", "vat_khr", "total_khr"]
CLERK_HEADER = ["day", "clerk", "sales", "voids_refunds", "net_khr", "vat_khr", "total_khr"]


def _rows(report: dict):
    day = report["day"].isoformat()
    services = [[day, s["service"], s["quantity"], s["net_khr"], s["vat_khr"], s["total_khr"]]
                for s in report["services"]]
    clerks = [[day, c["clerk"], c["sales"], c["reversals"], c["net_khr"], c["vat_khr"],
               c["total_khr"]] for c in report["clerks"]]
    return services, clerks


def report_csv(report: dict) -> str:
    """Both tables in one sheet, an empty line between them."""
    services, clerks = _rows(report)
    return to_csv([SERVICE_HEADER, *services, [], CLERK_HEADER, *clerks])


def report_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    services, clerks = _rows(report)
    for sheet, title, header, rows in ((book.active, "By service", SERVICE_HEADER, services),
                                       (None, "By clerk", CLERK_HEADER, clerks)):
        sheet = sheet or book.create_sheet()
        sheet.title = title
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, row)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def today_summary(center) -> dict:
    """Cheap figures for the dashboard widget: today's sales total and items accepted."""
    start, end = clock.day_bounds(clock.today(center), center)
    total, count = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(Sale.total_khr), 0),
        sa.func.count(sa.case((Sale.kind == "sale", 1)))).where(
        Sale.center_id == center.id, Sale.created_at >= start, Sale.created_at < end)).one()
    items = db.session.execute(sa.select(sa.func.count(Item.id)).where(
        Item.center_id == center.id, Item.created_at >= start, Item.created_at < end)).scalar()
    return {"total_khr": int(total), "sales": int(count), "items": int(items)}
