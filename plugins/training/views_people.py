"""Trainee screens: list, record, duplicates and merge, enrolment, CSV class lists."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import phones
from core.auth import permission_required
from core.downloads import csv_response
from core.extensions import db
from core.forms import choices
from core.tenancy import get_or_404, require_center
from plugins.training import people, services
from plugins.training.forms import ConfirmForm, EnrolForm, ImportForm, MergeForm, TraineeForm
from plugins.training.models import Certificate, Cohort, Enrolment, Trainee
from plugins.training.services import TrainingError
from plugins.training.views import bp

FIELDS = ("name_km", "name_en", "sex", "date_of_birth", "age_group", "phone", "national_id",
          "occupation", "school", "grade")


@bp.route("/trainees")
@permission_required("training.manage")
def trainees():
    center = require_center()
    q = request.args.get("q", "").strip()
    stmt = people.active_trainees(center)
    if q:
        like = f"%{q}%"
        found = [Trainee.name_en.ilike(like), Trainee.name_km.ilike(like),
                 Trainee.phone.ilike(like), Trainee.national_id.ilike(like)]
        if phones.is_valid(q):  # "012 345 678" finds +85512345678
            found.append(Trainee.phone == phones.normalise(q))
        stmt = stmt.where(sa.or_(*found))
    rows = db.session.execute(stmt.order_by(Trainee.name_en, Trainee.id).limit(500)).scalars()
    return render_template("training/trainees.html", trainees=list(rows), q=q)


def _save_trainee_form(center, form, trainee=None):
    values = {k: getattr(form, k).data for k in FIELDS}
    values = {k: ("" if v is None and k not in ("date_of_birth", "age_group") else v)
              for k, v in values.items()}
    try:
        trainee = people.save_trainee(db.session, center, trainee, **values)
    except TrainingError as exc:
        db.session.rollback()
        target = getattr(form, exc.field or "", None) or form.name_km
        target.errors.append(str(exc))
        return None
    return trainee


@bp.route("/trainees/new", methods=["GET", "POST"])
@bp.route("/trainees/<int:trainee_id>/edit", methods=["GET", "POST"])
@permission_required("training.manage")
def trainee_form(trainee_id: int | None = None):
    center = require_center()
    trainee = get_or_404(Trainee, trainee_id) if trainee_id else None
    form = TraineeForm(obj=trainee)
    cohort = None
    if request.args.get("cohort_id", type=int):
        cohort = get_or_404(Cohort, request.args.get("cohort_id", type=int))
    if form.validate_on_submit():
        saved = _save_trainee_form(center, form, trainee)
        if saved is not None:
            match = None
            if trainee is None:
                match = next((t for t in people.duplicate_groups(db.session, center)
                              if saved in t), None)
            if cohort is not None:
                try:
                    enrolment = services.enrol(db.session, cohort, saved)
                except TrainingError as exc:
                    flash(str(exc), "danger")
                else:
                    if enrolment.status == "waitlisted":
                        flash(_("The cohort is full: %(name)s is on the waitlist.",
                                name=saved.display_name), "warning")
            db.session.commit()
            flash(_("Trainee %(name)s saved.", name=saved.display_name), "success")
            if match:
                flash(_("Another trainee has the same phone or national ID: check the "
                        "duplicates."), "warning")
            if cohort is not None:
                return redirect(url_for("training.cohort", cohort_id=cohort.id))
            return redirect(url_for("training.trainee", trainee_id=saved.id))
    return render_template("training/trainee_form.html", form=form, trainee=trainee,
                           cohort=cohort)


@bp.route("/trainees/<int:trainee_id>")
@permission_required("training.manage")
def trainee(trainee_id: int):
    trainee = get_or_404(Trainee, trainee_id)
    enrolments = db.session.execute(sa.select(Enrolment).where(
        Enrolment.trainee_id == trainee.id).order_by(Enrolment.created_at)).scalars().all()
    certs = db.session.execute(sa.select(Certificate).where(
        Certificate.trainee_id == trainee.id).order_by(Certificate.issued_at)).scalars().all()
    return render_template("training/trainee.html", trainee=trainee, enrolments=enrolments,
                           certs=certs,
                           age_group=people.effective_age_group(trainee))


@bp.route("/trainees/duplicates", methods=["GET", "POST"])
@permission_required("training.manage")
def duplicates():
    center = require_center()
    groups = people.duplicate_groups(db.session, center)
    form = MergeForm()
    ids = choices((t.id, f"#{t.id} {t.display_name}") for g in groups for t in g)
    form.keeper_id.choices = form.duplicate_id.choices = ids
    if form.validate_on_submit():
        keeper = get_or_404(Trainee, form.keeper_id.data)
        dup = get_or_404(Trainee, form.duplicate_id.data)
        try:
            people.merge_trainees(db.session, keeper, dup)
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            form.duplicate_id.errors.append(str(exc))
        else:
            flash(_("%(dup)s was merged into %(keeper)s.", dup=f"#{dup.id}",
                    keeper=keeper.display_name), "success")
            return redirect(url_for("training.duplicates"))
    return render_template("training/duplicates.html", groups=groups, form=form)


@bp.route("/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@permission_required("training.manage")
def enrol(cohort_id: int):
    center = require_center()
    cohort = get_or_404(Cohort, cohort_id)
    form = EnrolForm()
    taken = sa.select(Enrolment.trainee_id).where(Enrolment.cohort_id == cohort.id,
                                                  Enrolment.status != "withdrawn")
    form.trainee_id.choices = choices(
        (t.id, f"{t.display_name} · {phones.display(t.phone)}")
        for t in db.session.execute(people.active_trainees(center).where(
            Trainee.id.not_in(taken)).order_by(Trainee.name_en)).scalars())
    if form.validate_on_submit():
        trainee = get_or_404(Trainee, form.trainee_id.data)
        try:
            enrolment = services.enrol(db.session, cohort, trainee)
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            form.trainee_id.errors.append(str(exc))
        else:
            if enrolment.status == "waitlisted":
                flash(_("The cohort is full: %(name)s is on the waitlist.",
                        name=trainee.display_name), "warning")
            else:
                flash(_("%(name)s is enrolled.", name=trainee.display_name), "success")
            return redirect(url_for("training.cohort", cohort_id=cohort.id))
    return render_template("training/enrol.html", form=form, cohort=cohort)


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@permission_required("training.manage")
def withdraw(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    if ConfirmForm().validate_on_submit():
        promoted = services.withdraw(db.session, enrolment)
        db.session.commit()
        flash(_("%(name)s was withdrawn.", name=enrolment.trainee.display_name), "success")
        for e in promoted:
            flash(_("%(name)s moved up from the waitlist.", name=e.trainee.display_name), "info")
    return redirect(url_for("training.cohort", cohort_id=enrolment.cohort_id))


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@permission_required("training.manage")
def import_list(cohort_id: int):
    center = require_center()
    cohort = get_or_404(Cohort, cohort_id)
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        result = people.import_class_list(db.session, center, cohort, form.file.data.read())
        db.session.commit()
        flash(_("%(n)d rows imported, %(e)d rows with errors.",
                n=result.created + result.matched, e=len(result.errors)),
              "success" if not result.errors else "warning")
    return render_template("training/import.html", form=form, cohort=cohort, result=result,
                           columns=people.CSV_COLUMNS)


@bp.route("/import-sample.csv")
@permission_required("training.manage")
def import_sample():
    sample = ",".join(people.CSV_COLUMNS) + "\n" + \
        "សុខ ស្រីនាង,Sok Sreyneang,female,2008-05-01,,012 345 678,,student,Chaktomuk HS,11\n" + \
        "ចាន់ ដារា,Chan Dara,male,,25_34,097 123 4567,N0123456,civil_servant,,\n"
    return csv_response(sample, "class-list.csv")
