"""Training screens: the blueprint, the overview, courses and cohorts.

Other screens hang on the same blueprint from views_people.py (trainees, enrolment,
imports), views_class.py (attendance, assessments), views_certs.py (certificates) and
views_reports.py (reports); they are imported at the bottom of this module.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth import Membership, User, permission_required
from core.extensions import db
from core.forms import choices
from core.tenancy import get_or_404, require_center, scoped
from plugins.training import services
from plugins.training.forms import CohortForm, ConfirmForm, CourseForm
from plugins.training.images import clean_image
from plugins.training.models import Certificate, Cohort, Course, Enrolment
from plugins.training.services import TrainingError

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


@bp.app_template_filter("training_pct")
def training_pct(value) -> str:
    """A percentage rounded down to a tenth (never shows a pass that is not one)."""
    return services.format_pct(value)


@bp.route("/")
@permission_required("training.manage")
def index():
    center = require_center()
    cohorts = db.session.execute(
        scoped(Cohort, center).where(Cohort.status != "finished")
        .order_by(Cohort.start_date)).scalars().all()
    counts = dict(db.session.execute(
        sa.select(Enrolment.cohort_id, sa.func.count()).where(
            Enrolment.center_id == center.id, Enrolment.status == "enrolled")
        .group_by(Enrolment.cohort_id)).all())
    return render_template("training/index.html", cohorts=cohorts, counts=counts)


# -- courses -----------------------------------------------------------------------------


@bp.route("/courses")
@permission_required("training.manage")
def courses():
    rows = db.session.execute(scoped(Course).order_by(Course.code)).scalars().all()
    return render_template("training/courses.html", courses=rows)


@bp.route("/courses/new", methods=["GET", "POST"])
@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@permission_required("training.manage")
def course_form(course_id: int | None = None):
    center = require_center()
    course = get_or_404(Course, course_id) if course_id else None
    form = CourseForm(obj=course)
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in (
            "code", "title_en", "title_km", "description", "hours", "category",
            "min_attendance_pct", "min_score_pct", "template", "page_format",
            "validity_months", "signatory_name", "signatory_title", "active")}
        values["description"] = values["description"] or ""
        values["signatory_name"] = values["signatory_name"] or ""
        values["signatory_title"] = values["signatory_title"] or ""
        try:
            for field in ("signature", "seal"):
                upload = getattr(form, field).data
                if upload and getattr(upload, "filename", ""):
                    try:
                        values[f"{field}_image"] = clean_image(upload.read())
                    except TrainingError as exc:
                        getattr(form, field).errors.append(str(exc))
                        raise
            course = services.save_course(db.session, center, course, **values)
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            if not (form.signature.errors or form.seal.errors):
                form.code.errors.append(str(exc))
        else:
            flash(_("Course %(code)s saved.", code=course.code), "success")
            return redirect(url_for("training.courses"))
    return render_template("training/course_form.html", form=form, course=course)


@bp.route("/courses/<int:course_id>/<any(signature, seal):which>.png")
@permission_required("training.manage")
def course_image(course_id: int, which: str):
    course = get_or_404(Course, course_id)
    data = getattr(course, f"{which}_image")
    if not data:
        abort(404)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


# -- cohorts -----------------------------------------------------------------------------


def _trainer_choices(center):
    users = db.session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.center_id == center.id, User.active.is_(True))
        .distinct().order_by(User.full_name)).scalars().all()
    return choices((u.id, u.full_name or u.username) for u in users)


@bp.route("/cohorts")
@permission_required("training.manage")
def cohorts():
    rows = db.session.execute(
        scoped(Cohort).order_by(Cohort.start_date.desc(), Cohort.id.desc())).scalars().all()
    return render_template("training/cohorts.html", cohorts=rows)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@permission_required("training.manage")
def cohort_form(cohort_id: int | None = None):
    center = require_center()
    cohort = get_or_404(Cohort, cohort_id) if cohort_id else None
    form = CohortForm(obj=cohort)
    form.course_id.choices = choices((c.id, f"{c.code} · {c.title_en}") for c in db.session.execute(
        scoped(Course).where(Course.active.is_(True)).order_by(Course.code)).scalars())
    if cohort is not None and cohort.course_id not in [c.value for c in form.course_id.choices]:
        form.course_id.choices += choices([(cohort.course_id, cohort.course.code)])
    form.trainer_ids.choices = _trainer_choices(center)
    if request.method == "GET":
        if cohort is not None:
            form.trainer_ids.data = [link.user_id for link in cohort.trainer_links]
        elif request.args.get("course_id", type=int):
            form.course_id.data = request.args.get("course_id", type=int)
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in (
            "course_id", "name", "room", "start_date", "end_date", "start_time", "end_time",
            "capacity", "status")}
        get_or_404(Course, values["course_id"])
        try:
            cohort = services.save_cohort(db.session, center, cohort,
                                          trainer_ids=form.trainer_ids.data or [], **values)
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            form.end_date.errors.append(str(exc))
        else:
            flash(_("Cohort %(name)s saved.", name=cohort.name), "success")
            return redirect(url_for("training.cohort", cohort_id=cohort.id))
    return render_template("training/cohort_form.html", form=form, cohort=cohort)


@bp.route("/cohorts/<int:cohort_id>")
@permission_required("training.manage")
def cohort(cohort_id: int):
    cohort = get_or_404(Cohort, cohort_id)
    enrolments = services.roster(db.session, cohort, ("enrolled",))
    waiting = services.waitlist(db.session, cohort)
    results = services.cohort_completion(db.session, cohort)
    certs = {c.trainee_id: c for c in db.session.execute(
        sa.select(Certificate).where(Certificate.cohort_id == cohort.id,
                                     Certificate.status == "valid")).scalars()}
    sessions = services.sessions_of(db.session, cohort)
    return render_template("training/cohort.html", cohort=cohort, enrolments=enrolments,
                           waiting=waiting, results=results, certs=certs,
                           sessions=sessions, confirm=ConfirmForm())


from plugins.training import (  # noqa: E402,F401  (routes registered on bp)
    views_certs,
    views_class,
    views_people,
    views_reports,
)
