"""Class screens: the attendance grid (a whole class in one POST), assessments and scores."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth import permission_required
from core.extensions import db
from core.sequences import center_date
from core.tenancy import get_or_404, require_center
from plugins.training import services
from plugins.training.forms import AssessmentForm, AttendanceForm, ConfirmForm
from plugins.training.models import Assessment, ClassSession, Cohort, Score
from plugins.training.services import TrainingError
from plugins.training.views import bp


def _default_day(cohort: Cohort) -> date:
    today = center_date(require_center())
    return min(max(today, cohort.start_date), cohort.end_date)


@bp.route("/cohorts/<int:cohort_id>/attendance", methods=["GET", "POST"])
@permission_required("training.manage")
def attendance(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id)
    form = AttendanceForm()
    enrolments = services.roster(db.session, cohort)
    sessions = services.sessions_of(db.session, cohort)
    grid = services.attendance_grid(db.session, cohort)
    if request.method == "GET":
        form.day.data = request.args.get("day", type=date.fromisoformat) or _default_day(cohort)
    day_session = next((s for s in sessions if s.day == form.day.data), None)
    if form.validate_on_submit():
        present = request.form.getlist("present", type=int)
        try:
            services.record_attendance(db.session, cohort, form.day.data, present,
                                       topic=form.topic.data or "")
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            form.day.errors.append(str(exc))
        else:
            flash(_("Attendance of %(day)s saved: %(n)d of %(total)d present.",
                    day=form.day.data.isoformat(), n=len(set(present)), total=len(enrolments)),
                  "success")
            return redirect(url_for("training.attendance", cohort_id=cohort.id,
                                    day=form.day.data.isoformat()))
    elif request.method == "GET" and day_session is not None:
        form.topic.data = day_session.topic
    if day_session is not None:
        checked = {e.id for e in enrolments if grid.get((day_session.id, e.id))}
    else:
        checked = {e.id for e in enrolments}  # a new day starts with everyone ticked
    if request.method == "POST":
        checked = set(request.form.getlist("present", type=int))
    results = services.cohort_completion(db.session, cohort)
    return render_template("training/attendance.html", cohort=cohort, form=form,
                           enrolments=enrolments, sessions=sessions, grid=grid,
                           checked=checked, results=results)


@bp.route("/cohorts/<int:cohort_id>/assessments", methods=["GET", "POST"])
@permission_required("training.manage")
def assessments(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id)
    form = AssessmentForm()
    if form.validate_on_submit():
        try:
            assessment = services.add_assessment(
                db.session, cohort, title=form.title.data, max_score=form.max_score.data,
                weight=form.weight.data, held_on=form.held_on.data)
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            form.title.errors.append(str(exc))
        else:
            flash(_("Assessment %(title)s added.", title=assessment.title), "success")
            return redirect(url_for("training.scores", assessment_id=assessment.id))
    rows = db.session.execute(sa.select(Assessment).where(
        Assessment.cohort_id == cohort.id).order_by(Assessment.id)).scalars().all()
    return render_template("training/assessments.html", cohort=cohort, form=form,
                           assessments=rows)


@bp.route("/assessments/<int:assessment_id>/scores", methods=["GET", "POST"])
@permission_required("training.manage")
def scores(assessment_id: int):
    require_center()
    assessment = get_or_404(Assessment, assessment_id)
    cohort = get_or_404(Cohort, assessment.cohort_id)
    enrolments = services.roster(db.session, cohort)
    existing = {s.enrolment_id: s.points for s in db.session.execute(
        sa.select(Score).where(Score.assessment_id == assessment.id)).scalars()}
    form = ConfirmForm()
    errors: dict[int, str] = {}
    typed: dict[int, str] = {}
    if form.validate_on_submit():
        points = {}
        for e in enrolments:
            raw = request.form.get(f"score-{e.id}", "").strip()
            typed[e.id] = raw
            if raw == "":
                continue
            if not raw.isdigit() or int(raw) > assessment.max_score:
                errors[e.id] = _("A score must be between 0 and %(max)d.",
                                 max=assessment.max_score)
            else:
                points[e.id] = int(raw)
        if not errors:
            services.record_scores(db.session, assessment, points)
            db.session.commit()
            flash(_("Scores saved."), "success")
            return redirect(url_for("training.assessments", cohort_id=cohort.id))
    return render_template("training/scores.html", cohort=cohort, assessment=assessment,
                           enrolments=enrolments, existing=existing, form=form,
                           errors=errors, typed=typed)


@bp.route("/sessions/<int:session_id>")
@permission_required("training.manage")
def session_day(session_id: int):
    class_session = get_or_404(ClassSession, session_id)
    return redirect(url_for("training.attendance", cohort_id=class_session.cohort_id,
                            day=class_session.day.isoformat()))
