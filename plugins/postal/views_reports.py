"""Reports: daily sales by service and by clerk, on screen, as CSV and as XLSX."""

from __future__ import annotations

from flask import Response, render_template, request

from core.auth import permission_required
from core.extensions import db
from core.sequences import center_date
from core.tenancy import require_center
from plugins.postal import cash
from plugins.postal.forms import ReportForm
from plugins.postal.services_reports import daily_sales, report_csv, report_xlsx
from plugins.postal.views import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report():
    center = require_center()
    form = ReportForm(request.args)
    day = form.day.data if form.validate() and form.day.data else center_date(center)
    return center, form, daily_sales(db.session, center, day)


@bp.route("/postal/reports")
@permission_required("postal.manage")
def reports():
    _center, form, report = _report()
    form.day.data = report["day"]
    return render_template("postal/reports.html", form=form, report=report, fmt=cash.fmt)


@bp.route("/postal/reports/daily.csv")
@permission_required("postal.manage")
def report_daily_csv():
    center, _form, report = _report()
    return Response("\ufeff" + report_csv(report), mimetype="text/csv", headers={
        "Content-Disposition":
            f'attachment; filename="{center.code}-sales-{report["day"].isoformat()}.csv"'})


@bp.route("/postal/reports/daily.xlsx")
@permission_required("postal.manage")
def report_daily_xlsx():
    center, _form, report = _report()
    return Response(report_xlsx(report), mimetype=XLSX, headers={
        "Content-Disposition":
            f'attachment; filename="{center.code}-sales-{report["day"].isoformat()}.xlsx"'})
