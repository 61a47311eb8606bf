"""Competition set-up and results for moderators (dcc.moderate): rubric, prizes, judges,
open, assign, freeze, publish, disqualify, certificates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.permissions import permission_required
from core.downloads import csv_response
from core.extensions import db
from core.forms import choices
from core.i18n import lang, local_name
from core.tenancy import require_center
from plugins.dcc import competitions as svc
from plugins.dcc import results, sheets, timezones
from plugins.dcc.competition_models import (
    Competition,
    DccCertificate,
    Entry,
    JudgeAssignment,
)
from plugins.dcc.forms import (
    ActionForm,
    CompetitionForm,
    CriterionForm,
    JudgeForm,
    PrizeForm,
    ReasonForm,
)
from plugins.dcc.members import DccError
from plugins.dcc.ranking import TIE_BREAK_EN
from plugins.dcc.views import bp, organisation_choices
from plugins.dcc.views_competitions import _certificate_pdf, entry_label

# -- staff: set-up and results ------------------------------------------------------------------


def staff_competition(competition_id: int) -> Competition:
    center = require_center()
    c = db.session.get(Competition, competition_id)
    if c is None:
        abort(404)
    if c.center_id is None and not current_user.is_deployer:
        abort(404)
    if c.center_id is not None and c.center_id != center.id:
        abort(404)
    return c


@bp.route("/admin/competitions")
@permission_required("dcc.moderate")
def admin_competitions():
    center = require_center()
    where = Competition.center_id == center.id
    if current_user.is_deployer:
        where = db.or_(where, Competition.center_id.is_(None))
    rows = db.session.execute(db.select(Competition).where(where)
                              .order_by(Competition.id.desc())).scalars().all()
    return render_template("dcc/admin_competitions.html", rows=rows)


WINDOWS = ("registration_opens_at", "registration_closes_at", "submission_opens_at",
           "submission_closes_at")


def _fill(form: CompetitionForm, c: Competition) -> None:
    for name in ("slug", "title_en", "title_km", "rules", "eligible_categories",
                 "eligible_provinces", "min_age", "max_age", "team_entries", "team_min",
                 "team_max", "allow_file", "allow_link", "file_types", "max_file_kb",
                 "blind_judging", "aggregation"):
        value = getattr(form, name).data
        if name in ("slug",):
            value = (value or "").strip().lower()
        setattr(c, name, value)
    for name in WINDOWS:  # typed in the competition's zone (a national one: CTC_TIMEZONE)
        setattr(c, name, timezones.to_utc(c, getattr(form, name).data))


def _label_zones(form: CompetitionForm, c: Competition | None) -> None:
    """Say next to each time field which zone it is typed in: the competition's; for a new
    one, the current center's, and CTC_TIMEZONE's if the deployer makes it national."""
    if c is not None:
        text = _("Time zone: %(zone)s", zone=timezones.competition_caption(c))
    else:
        here = timezones.zone_caption(require_center())
        national = timezones.zone_caption(None)
        text = (_("Time zone: %(zone)s; for a national competition: %(national)s",
                  zone=here, national=national)
                if getattr(form, "national", None) is not None and national != here
                else _("Time zone: %(zone)s", zone=here))
    for name in WINDOWS:
        getattr(form, name).description = text


@bp.route("/admin/competitions/new", methods=["GET", "POST"])
@bp.route("/admin/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@permission_required("dcc.moderate")
def competition_form(competition_id: int | None = None):
    c = staff_competition(competition_id) if competition_id else None
    form = CompetitionForm(obj=c, locale=lang())
    if not current_user.is_deployer or c is not None:
        del form.national
    if c is not None and request.method == "GET":
        for name in WINDOWS:
            getattr(form, name).data = timezones.to_local(c, getattr(c, name))
    _label_zones(form, c)
    if form.validate_on_submit():
        if c is not None and c.status != "draft":
            flash(_("An opened competition cannot change its set-up."), "danger")
            return redirect(url_for("dcc.competition_admin", competition_id=c.id))
        target = c or Competition(
            center_id=None if (getattr(form, "national", None) is not None and form.national.data)
            else require_center().id)
        _fill(form, target)
        try:
            svc.save_competition(db.session, target)
        except DccError as exc:
            db.session.rollback()
            form.slug.errors.append(_(str(exc)))
        else:
            db.session.commit()
            return redirect(url_for("dcc.competition_admin", competition_id=target.id))
    return render_template("dcc/form.html", form=form,
                           title=_("Competition set-up"), wide=True)


def _judge_choices(c: Competition):
    from core.auth.models import Membership, RolePermission, User

    q = (db.select(User).join(Membership, Membership.user_id == User.id)
         .join(RolePermission, RolePermission.role_id == Membership.role_id)
         .where(RolePermission.permission == "dcc.judge", User.active.is_(True)))
    if c.center_id is not None:
        q = q.where(Membership.center_id == c.center_id)
    users = db.session.execute(q.distinct().order_by(User.username)).scalars().all()
    return choices((u.id, f"{u.username} · {u.full_name}") for u in users)


def _judge_form(c: Competition) -> JudgeForm:
    form = JudgeForm()
    form.user_id.choices = _judge_choices(c)
    form.organisation_id.choices = organisation_choices()
    return form


@bp.route("/admin/competitions/<int:competition_id>")
@permission_required("dcc.moderate")
def competition_admin(competition_id: int):
    return _admin_page(staff_competition(competition_id))


def _admin_page(c: Competition, judge_form: JudgeForm | None = None):
    """The competition's admin page; ``judge_form``, a refused one, keeps what was typed."""
    entries = db.session.execute(db.select(Entry).where(Entry.competition_id == c.id)
                                 .order_by(Entry.id)).scalars().all()
    assignments = db.session.execute(db.select(JudgeAssignment).where(
        JudgeAssignment.competition_id == c.id).order_by(JudgeAssignment.entry_id)).scalars().all()
    judge_form = judge_form or _judge_form(c)
    certs = db.session.execute(db.select(DccCertificate).where(
        DccCertificate.competition_id == c.id).order_by(DccCertificate.id)).scalars().all()
    live = svc.ranking(db.session, c) if c.status == "open" else []
    return render_template(
        "dcc/competition_admin.html", c=c, entries=entries, assignments=assignments,
        criterion_form=CriterionForm(prefix="cr"), prize_form=PrizeForm(prefix="pr"),
        judge_form=judge_form, action=ActionForm(), certs=certs, live=live,
        frozen=results.result_rows(db.session, c), tie_break=_(TIE_BREAK_EN),
        label=lambda e: entry_label(e, level="all"),
        sheet=sheets.score_lines(db.session, c), sheet_labels=_sheet_labels(c))


def _sheet_labels(c: Competition):
    """(entry id -> label, judge id -> username) for the score sheet: blind entry labels while
    blind judging is on and the results are not published."""
    from core.auth.models import User

    blind = bool(c.blind_judging) and c.status != "published"
    entries = {e.id: e for e in db.session.execute(
        db.select(Entry).where(Entry.competition_id == c.id)).scalars()}
    judges = dict(db.session.execute(
        db.select(User.id, User.username).join(JudgeAssignment,
                                               JudgeAssignment.judge_user_id == User.id)
        .where(JudgeAssignment.competition_id == c.id).distinct()).all())
    return (lambda entry_id: entry_label(entries[entry_id], blind=blind, level="all"),
            lambda judge_id: judges.get(judge_id, str(judge_id)))


@bp.route("/admin/competitions/<int:competition_id>/scores.csv")
@permission_required("dcc.moderate")
def competition_scores_csv(competition_id: int):
    c = staff_competition(competition_id)
    entry_name, judge_name = _sheet_labels(c)
    text = sheets.sheet_csv(c, sheets.score_lines(db.session, c), entry_name, judge_name,
                            local_name)
    return csv_response(text, f"{c.slug}-scores.csv")


def _back(c):
    return redirect(url_for("dcc.competition_admin", competition_id=c.id))


@bp.route("/admin/competitions/<int:competition_id>/criteria", methods=["POST"])
@permission_required("dcc.moderate")
def competition_criterion(competition_id: int):
    c = staff_competition(competition_id)
    form = CriterionForm(prefix="cr")
    if form.validate_on_submit():
        try:
            svc.add_criterion(db.session, c, name_en=form.name_en.data,
                              name_km=form.name_km.data or "", weight=form.weight.data,
                              min_score=form.min_score.data, max_score=form.max_score.data)
            db.session.commit()
        except DccError as exc:
            db.session.rollback()
            flash(_(str(exc)), "danger")
    else:
        flash(_("Check the criterion: %(errors)s", errors=_errors(form)), "danger")
    return _back(c)


def _errors(form) -> str:
    return "; ".join(f"{form[k].label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items())


@bp.route("/admin/competitions/<int:competition_id>/prizes", methods=["POST"])
@permission_required("dcc.moderate")
def competition_prize(competition_id: int):
    from core import money

    c = staff_competition(competition_id)
    form = PrizeForm(prefix="pr")
    if form.validate_on_submit():
        try:
            minor = money.parse(form.amount.data, form.currency.data).minor if form.amount.data else 0
            svc.add_prize(db.session, c, rank=form.rank.data, title_en=form.title_en.data,
                          title_km=form.title_km.data or "", amount_minor=minor,
                          currency=form.currency.data)
            db.session.commit()
        except (DccError, money.MoneyError) as exc:
            db.session.rollback()
            flash(_(str(exc)), "danger")
    else:
        flash(_("Check the prize: %(errors)s", errors=_errors(form)), "danger")
    return _back(c)


@bp.route("/admin/competitions/<int:competition_id>/judges", methods=["POST"])
@permission_required("dcc.moderate")
def competition_judge(competition_id: int):
    from core.auth.models import User

    c = staff_competition(competition_id)
    form = _judge_form(c)
    if not form.validate_on_submit():
        flash(_("Check the judge: %(errors)s", errors=_errors(form)), "danger")
        return _admin_page(c, form)
    try:
        svc.add_judge(db.session, c, db.session.get(User, form.user_id.data),
                      organisation_id=form.organisation_id.data,
                      organisation_name=form.organisation_name.data or "")
    except DccError as exc:
        db.session.rollback()
        form.organisation_id.errors.append(_(str(exc)))
        flash(_("Check the judge: %(errors)s", errors=_errors(form)), "danger")
        return _admin_page(c, form)
    db.session.commit()
    return _back(c)


STEPS = {
    "open": lambda c: svc.open_competition(db.session, c),
    "assign": lambda c: svc.assign_judges(db.session, c),
    "freeze": lambda c: results.freeze(db.session, c),
    "publish": lambda c: results.publish(db.session, c),
    "certificates": lambda c: results.issue_certificates(db.session, c),
}


@bp.route("/admin/competitions/<int:competition_id>/<any(open, assign, freeze, publish, "
          "certificates):step>", methods=["POST"])
@permission_required("dcc.moderate")
def competition_step(competition_id: int, step: str):
    c = staff_competition(competition_id)
    if ActionForm().validate_on_submit():
        try:
            STEPS[step](c)
        except DccError as exc:
            db.session.rollback()
            flash(_(str(exc)), "danger")
        else:
            db.session.commit()
            flash(_("Done."), "success")
    return _back(c)


@bp.route("/admin/entries/<int:entry_id>/disqualify", methods=["GET", "POST"])
@permission_required("dcc.moderate")
def entry_disqualify(entry_id: int):
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        abort(404)
    c = staff_competition(entry.competition_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            results.disqualify(db.session, entry, form.reason.data)
        except DccError as exc:
            form.reason.errors.append(_(str(exc)))
        else:
            db.session.commit()
            flash(_("Entry disqualified; prizes reallocated."), "info")
            return _back(c)
    return render_template("dcc/form.html", form=form, title=_("Disqualify %(entry)s",
                                                               entry=entry_label(entry, level="all")))


@bp.route("/admin/certificates/<int:certificate_id>.pdf")
@permission_required("dcc.moderate")
def certificate_pdf(certificate_id: int):
    cert = db.session.get(DccCertificate, certificate_id)
    if cert is None:
        abort(404)
    staff_competition(cert.competition_id)
    return _certificate_pdf(cert)


@bp.route("/admin/assignments/<int:assignment_id>/withdraw", methods=["POST"])
@permission_required("dcc.moderate")
def assignment_withdraw(assignment_id: int):
    a = db.session.get(JudgeAssignment, assignment_id)
    if a is None:
        abort(404)
    c = staff_competition(a.competition_id)
    if ActionForm().validate_on_submit():
        try:
            svc.withdraw_assignment(db.session, a)
        except DccError as exc:
            flash(_(str(exc)), "danger")
        else:
            db.session.commit()
    return _back(c)
