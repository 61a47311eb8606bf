"""Judges (dcc.judge): their assignments, scores per criterion, conflicts of interest."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.permissions import permission_required
from core.extensions import db
from plugins.dcc import competitions as svc
from plugins.dcc.competition_models import (
    JudgeAssignment,
)
from plugins.dcc.forms import (
    ActionForm,
    ReasonForm,
)
from plugins.dcc.members import DccError
from plugins.dcc.views import bp
from plugins.dcc.views_competitions import entry_label

# -- judges -------------------------------------------------------------------------------------


@bp.route("/judging")
@permission_required("dcc.judge")
def judging():
    rows = db.session.execute(db.select(JudgeAssignment).where(
        JudgeAssignment.judge_user_id == current_user.id).order_by(
        JudgeAssignment.competition_id.desc(), JudgeAssignment.entry_id)).scalars().all()
    return render_template("dcc/judging.html", rows=rows,
                           label=lambda a: entry_label(a.entry, blind=a.entry.competition.blind_judging,
                                                       level="all"))


def my_assignment(assignment_id: int) -> JudgeAssignment:
    a = db.session.get(JudgeAssignment, assignment_id)
    if a is None or a.judge_user_id != current_user.id:
        abort(404)
    return a


@bp.route("/judging/<int:assignment_id>", methods=["GET", "POST"])
@permission_required("dcc.judge")
def judge_entry(assignment_id: int):
    a = my_assignment(assignment_id)
    c = a.entry.competition
    form = ActionForm()
    typed = {s.criterion_id: str(s.value) for s in a.scores}
    errors = []
    if form.validate_on_submit():
        typed = {cr.id: request.form.get(f"c-{cr.id}", "").strip() for cr in c.criteria}
        try:
            values = {k: int(v) for k, v in typed.items() if v != ""}
        except ValueError:
            errors.append(_("Scores are whole numbers."))
        else:
            try:
                svc.save_scores(db.session, a, values)
            except DccError as exc:
                db.session.rollback()
                errors.append(_(str(exc)))
            else:
                db.session.commit()
                flash(_("Scores saved."), "success")
                return redirect(url_for("dcc.judging"))
    return render_template("dcc/judge_entry.html", a=a, c=c, form=form, typed=typed,
                           errors=errors, conflict=ReasonForm(prefix="coi"),
                           label=entry_label(a.entry, blind=c.blind_judging, level="all"))


@bp.route("/judging/<int:assignment_id>/conflict", methods=["POST"])
@permission_required("dcc.judge")
def judge_conflict(assignment_id: int):
    a = my_assignment(assignment_id)
    form = ReasonForm(prefix="coi")
    if form.validate_on_submit():
        try:
            svc.declare_conflict(db.session, a, form.reason.data)
        except DccError as exc:
            flash(_(str(exc)), "danger")
        else:
            db.session.commit()
            flash(_("You are recused from this entry."), "info")
    return redirect(url_for("dcc.judging"))
