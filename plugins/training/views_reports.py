"""Report screens (manager only): trainees by sex, age group and occupation; CSV and XLSX."""

from __future__ import annotations

from datetime import date

from flask import render_template, request

from core.auth import permission_required
from core.downloads import csv_response, xlsx_response
from core.extensions import db
from core.sequences import center_date
from core.tenancy import require_center, scoped
from plugins.training import reports
from plugins.training.models import AGE_GROUPS, OCCUPATIONS, SEXES, Course
from plugins.training.views import bp


def _period(center):
    today = center_date(center)
    start = request.args.get("start", type=date.fromisoformat) or today.replace(month=1, day=1)
    end = request.args.get("end", type=date.fromisoformat) or today
    if end < start:
        start, end = end, start
    return start, end


@bp.route("/reports")
@permission_required("training.reports")
def report():
    center = require_center()
    start, end = _period(center)
    course_id = request.args.get("course_id", type=int)
    rows = reports.trainee_report(db.session, center, start, end, course_id)
    courses = db.session.execute(scoped(Course).order_by(Course.code)).scalars().all()
    return render_template("training/report.html", rows=rows, start=start, end=end,
                           course_id=course_id, courses=courses, sexes=SEXES,
                           age_groups=(*AGE_GROUPS, "unknown"), occupations=OCCUPATIONS)


@bp.route("/reports/trainees.<any(csv, xlsx):fmt>")
@permission_required("training.reports")
def report_export(fmt: str):
    center = require_center()
    start, end = _period(center)
    rows = reports.trainee_report(db.session, center, start, end,
                                  request.args.get("course_id", type=int))
    name = f"trainees-{center.code}-{start.isoformat()}-{end.isoformat()}"
    if fmt == "csv":
        return csv_response(reports.to_csv(rows), f"{name}.csv")
    return xlsx_response(reports.to_xlsx(rows, title=center.code), f"{name}.xlsx")
