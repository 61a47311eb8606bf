"""Reports for the ministry (the digital divide): who was trained, by sex, age group and
occupation, per course and period; CSV and XLSX; the dashboard figures."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from core import exports
from core.exports import append_row
from plugins.training.models import (
    AGE_GROUPS,
    OCCUPATIONS,
    SEXES,
    Certificate,
    Cohort,
    Course,
    Enrolment,
    Trainee,
)
from plugins.training.people import age_group_for, age_on


@dataclass
class CourseRow:
    code: str
    title_en: str
    title_km: str
    trainees: int = 0
    certified: int = 0
    sex: Counter = field(default_factory=Counter)
    age: Counter = field(default_factory=Counter)
    occupation: Counter = field(default_factory=Counter)


def trainee_report(session, center, start: date, end: date,
                   course_id: int | None = None) -> list[CourseRow]:
    """One row per course: trainees enrolled in its cohorts that ran within [start, end]
    (a cohort counts when its dates overlap the period), with a total row last that counts
    DISTINCT trainees (a person in two courses counts once; their first cohort's age) and
    those of them holding at least one valid certificate of the period."""
    stmt = (
        sa.select(Course, Trainee, Cohort.start_date, Enrolment.trainee_id, Cohort.id)
        .select_from(Enrolment)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(Course, Cohort.course_id == Course.id)
        .join(Trainee, Enrolment.trainee_id == Trainee.id)
        .where(Enrolment.center_id == center.id, Enrolment.status == "enrolled",
               Cohort.start_date <= end, Cohort.end_date >= start)
        .order_by(Course.code, Cohort.start_date, Cohort.id)
    )
    if course_id:
        stmt = stmt.where(Course.id == course_id)
    certified = {(t, c) for t, c in session.execute(
        sa.select(Certificate.trainee_id, Certificate.cohort_id).where(
            Certificate.center_id == center.id, Certificate.status == "valid"))}
    rows: dict[int, CourseRow] = {}
    seen: set[tuple[int, int]] = set()
    total = CourseRow("", TOTAL_EN, TOTAL_KM)
    counted: set[int] = set()  # the total counts each trainee once, whatever their courses
    certified_people: set[int] = set()
    for course, trainee, started, trainee_id, cohort_id in session.execute(stmt):
        row = rows.setdefault(course.id, CourseRow(course.code, course.title_en,
                                                   course.title_km))
        if (trainee_id, cohort_id) in certified:
            row.certified += 1
            certified_people.add(trainee_id)
        group = (age_group_for(age_on(trainee.date_of_birth, started))
                 if trainee.date_of_birth else trainee.age_group) or "unknown"
        if trainee_id not in counted:
            counted.add(trainee_id)
            _count(total, trainee, group)
        if (course.id, trainee_id) in seen:  # a trainee who took two cohorts counts once
            continue
        seen.add((course.id, trainee_id))
        _count(row, trainee, group)
    total.certified = len(certified_people)
    return [*rows.values(), total]


#: The last row: distinct trainees of the period (someone in two courses counts once), so
#: it is not the sum of the course rows.
TOTAL_EN = "Total (distinct trainees)"
TOTAL_KM = "សរុប (សិក្ខាកាមម្នាក់រាប់តែម្តង)"


def _count(row: CourseRow, trainee: Trainee, group: str) -> None:
    row.trainees += 1
    row.sex[trainee.sex] += 1
    row.age[group] += 1
    row.occupation[trainee.occupation] += 1


def columns() -> list[tuple[str, str]]:
    """(key, English header) of the flat table used by CSV and XLSX."""
    cols = [("code", "Course code"), ("title_en", "Course"), ("title_km", "Course (Khmer)"),
            ("trainees", "Trainees"), ("certified", "Certified")]
    cols += [(f"sex.{s}", f"Sex: {s}") for s in SEXES]
    cols += [(f"age.{a}", f"Age: {a.replace('_', '-')}") for a in (*AGE_GROUPS, "unknown")]
    cols += [(f"occupation.{o}", f"Occupation: {o.replace('_', ' ')}") for o in OCCUPATIONS]
    return cols


def flat(row: CourseRow) -> list:
    out = []
    for key, _label in columns():
        if "." in key:
            group, value = key.split(".", 1)
            out.append(getattr(row, group)[value])
        else:
            out.append(getattr(row, key))
    return out


def to_csv(rows: list[CourseRow]) -> str:
    """The report as CSV text (the download adds the byte order mark Excel needs)."""
    return exports.to_csv([[label for _k, label in columns()], *(flat(row) for row in rows)])


def to_xlsx(rows: list[CourseRow], *, title: str = "Training") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([label for _k, label in columns()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, flat(row))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "D2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dashboard_figures(center) -> dict:
    """Cheap counts for the dashboard widget."""
    from core.extensions import db
    from core.sequences import center_date

    today = center_date(center)
    month_start = today.replace(day=1)
    session = db.session
    running = session.execute(sa.select(sa.func.count()).select_from(Cohort).where(
        Cohort.center_id == center.id, Cohort.status == "running")).scalar_one()
    trainees = session.execute(sa.select(sa.func.count(sa.distinct(Enrolment.trainee_id)))
                               .join(Cohort, Enrolment.cohort_id == Cohort.id).where(
        Enrolment.center_id == center.id, Enrolment.status == "enrolled",
        Cohort.end_date >= month_start, Cohort.start_date <= today)).scalar_one()
    women = session.execute(sa.select(sa.func.count(sa.distinct(Enrolment.trainee_id)))
                            .join(Cohort, Enrolment.cohort_id == Cohort.id)
                            .join(Trainee, Enrolment.trainee_id == Trainee.id).where(
        Enrolment.center_id == center.id, Enrolment.status == "enrolled",
        Trainee.sex == "female", Cohort.end_date >= month_start,
        Cohort.start_date <= today)).scalar_one()
    issued = session.execute(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.center_id == center.id, Certificate.issued_on >= month_start,
        Certificate.status != "revoked")).scalar_one()
    return {"running": running, "trainees": trainees, "women": women, "issued": issued}
