"""Reports: daily sales by service and by clerk, on screen, as CSV and as XLSX."""

from __future__ import annotations

from flask import render_template, request

from core.auth import permission_required
from core.downloads import csv_response, xlsx_response
from core.extensions import db
from core.sequences import center_date
from core.tenancy import require_center
from plugins.postal.forms import ReportForm
from plugins.postal.services_reports import daily_sales, report_csv, report_xlsx
from plugins.postal.views import bp


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
    return render_template("postal/reports.html", form=form, report=report)


@bp.route("/postal/reports/daily.csv")
@permission_required("postal.manage")
def report_daily_csv():
    center, _form, report = _report()
    return csv_response(report_csv(report), f"{center.code}-sales-{report['day'].isoformat()}.csv")


@bp.route("/postal/reports/daily.xlsx")
@permission_required("postal.manage")
def report_daily_xlsx():
    center, _form, report = _report()
    return xlsx_response(report_xlsx(report),
                         f"{center.code}-sales-{report['day'].isoformat()}.xlsx")
