"""DCC screens: the blueprint, access helpers, joining, the directory, member moderation and
the skills taxonomy. The same blueprint carries views_members.py (the member's own area),
views_orgs.py, views_competitions.py (public and entrants), views_admin.py (set-up and
results) and views_judging.py.

Members are core users without a center: their pages are marked ``@public`` so core's
center guard lets them through, and :func:`member_page` checks the login and the DCC
member record itself.
"""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.permissions import centerless, permission_required, public
from core.downloads import csv_response
from core.extensions import db, limiter
from core.forms import choices
from core.i18n import lang
from core.plugins import plugin_enabled, plugin_enabled_anywhere
from core.tenancy import Center, current_center, province_choices, require_center
from plugins.dcc import directory
from plugins.dcc import members as svc
from plugins.dcc.forms import (
    ActionForm,
    CodeForm,
    DirectoryForm,
    JoinForm,
    ReasonForm,
    SkillForm,
    category_choices,
)
from plugins.dcc.models import Member, Skill
from plugins.dcc.notify import get_notifier

bp = Blueprint("dcc", __name__, url_prefix="/dcc", template_folder="templates")


@bp.context_processor
def competition_clock():
    """A competition's times on DCC screens, in its own zone, and the zone's caption."""
    from plugins.dcc import timezones

    return {"competition_time": timezones.competition_time,
            "competition_zone": timezones.competition_caption}


def public_limit():
    return current_app.config["RATELIMIT_PUBLIC"]


# -- access helpers ---------------------------------------------------------------------------


def national_enabled() -> bool:
    """National pages exist while at least one active center has the DCC switched on."""
    return plugin_enabled_anywhere("dcc")


def require_national() -> None:
    if not national_enabled():
        abort(404)


def current_member() -> Member | None:
    if not current_user.is_authenticated:
        return None
    return db.session.execute(db.select(Member).where(
        Member.user_id == current_user.id, Member.status == "approved")).scalar_one_or_none()


def member_page(view):
    """A page of an approved member: core's ``centerless`` view kind (signed in, the DCC on
    at one center at least, no center needed), then the member is looked up here."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        member = current_member()
        if member is None:
            abort(404)
        g.dcc_member = member
        return view(*args, **kwargs)

    return centerless(wrapped)


def viewer_level() -> str:
    return "members" if current_member() is not None else "public"


def moderation_scope(home_center_id: int | None) -> bool:
    """Deployers moderate everything; a center's moderators its own members/organisations."""
    if current_user.is_deployer:
        return True
    center = current_center()
    return center is not None and home_center_id == center.id


def member_for_moderation(member_id: int) -> Member:
    require_center()
    member = db.session.get(Member, member_id)
    if member is None or not moderation_scope(member.home_center_id):
        abort(404)
    return member


def _error(exc: svc.DccError) -> str:
    return _(str(exc))


def organisation_choices(keep=None):
    """The DCC registry's verified organisations for a select, empty first; ``keep``, an
    organisation already chosen, stays in the list even if no longer verified."""
    from core.i18n import local_name
    from plugins.dcc.opportunities import verified_organisations

    orgs = verified_organisations(db.session)
    if keep is not None and keep not in orgs:
        orgs.append(keep)
    return choices([("", "-")] + [(str(o.id), local_name(o)) for o in orgs])


def _field_labels():
    from plugins.dcc.forms import FIELD_LABELS

    return FIELD_LABELS


# -- joining ---------------------------------------------------------------------------------


def _home_center_choices():
    centers = db.session.execute(db.select(Center).where(Center.active.is_(True))
                                 .order_by(Center.code)).scalars()
    return choices([("", _("None (national moderators)"))] + [
        (str(c.id), f"{c.code} · {c.name(lang())}") for c in centers if plugin_enabled("dcc", c)])


@bp.route("/join", methods=["GET", "POST"])
@public
@limiter.limit(public_limit, methods=["POST"])
def join():
    require_national()
    form = JoinForm(locale=lang())
    form.home_center_id.choices = _home_center_choices()
    if form.validate_on_submit():
        try:
            member = svc.register_member(
                db.session, profile=form.profile(), contact=form.contact.data,
                password=form.password.data, home_center_id=int(form.home_center_id.data)
                if form.home_center_id.data else None,
                consents={"privacy": form.consent_privacy.data,
                          "directory": form.consent_directory.data,
                          "credentials": form.consent_credentials.data})
            svc.send_code(db.session, member, get_notifier())
        except svc.DccError as exc:
            db.session.rollback()
            form.contact.errors.append(_error(exc))
        else:
            db.session.commit()
            session["dcc_join"] = member.token
            return redirect(url_for("dcc.confirm", token=member.token))
    return render_template("dcc/join.html", form=form)


def _joining_member(token: str) -> Member:
    require_national()
    member = db.session.execute(db.select(Member).where(Member.token == token)).scalar_one_or_none()
    if member is None or member.status != "pending" or session.get("dcc_join") != token:
        abort(404)
    return member


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
@limiter.limit(public_limit, methods=["POST"])
def confirm(token: str):
    member = _joining_member(token)
    form = CodeForm()
    if member.contact_confirmed_at is None and form.validate_on_submit():
        try:
            svc.confirm_code(db.session, member, form.code.data)
        except svc.DccError as exc:
            form.code.errors.append(_error(exc))
        db.session.commit()
    return render_template("dcc/confirm.html", form=form, member=member, resend=ActionForm())


@bp.route("/join/<token>/resend", methods=["POST"])
@public
@limiter.limit(public_limit)
def resend(token: str):
    member = _joining_member(token)
    if ActionForm().validate_on_submit() and member.contact_confirmed_at is None:
        try:
            svc.send_code(db.session, member, get_notifier())
        except svc.DccError as exc:
            flash(_error(exc), "danger")
        else:
            flash(_("A new code is on its way."), "info")
        db.session.commit()
    return redirect(url_for("dcc.confirm", token=token))


# -- the directory -----------------------------------------------------------------------------


def _directory_form():
    form = DirectoryForm(request.args)
    skills = db.session.execute(db.select(Skill).where(Skill.active.is_(True))
                                .order_by(Skill.name_en)).scalars().all()
    form.skill.choices = choices([("", "-")] + [(s.code, s.name_km if lang() == "km" and s.name_km
                                                 else s.name_en) for s in skills])
    form.province.choices = choices([("", "-")] + province_choices(lang()))
    form.category.choices = choices([("", "-")] + category_choices())
    form.validate()
    skill = next((s for s in skills if s.code == form.skill.data), None)
    filters = {"skill_id": skill.id if skill else None,
               "min_level": int(form.level.data) if form.level.data else None,
               "province": form.province.data or None, "category": form.category.data or None,
               "text": form.text.data or None}
    return form, filters


@bp.route("/directory")
@public
@limiter.limit(public_limit)
def directory_page():
    require_national()
    form, filters = _directory_form()
    page = max(request.args.get("page", 1, type=int), 1)
    level = viewer_level()
    rows, more = directory.search(db.session, level=level, offset=(page - 1) * 50, limit=50,
                                  **filters)
    return render_template("dcc/directory.html", form=form, rows=rows, more=more, page=page,
                           level=level, labels=_field_labels())


@bp.route("/directory.csv")
@public
@limiter.limit(public_limit)
def directory_csv():
    require_national()
    _form, filters = _directory_form()
    text = directory.export_csv(db.session, level=viewer_level(), **filters)
    return csv_response(text, "dcc-directory.csv")


@bp.route("/people/<token>")
@public
@limiter.limit(public_limit)
def person(token: str):
    require_national()
    m = db.session.execute(db.select(Member).where(Member.token == token)).scalar_one_or_none()
    if not directory.can_view_listing(m):
        abort(404)
    return render_template("dcc/person.html", member=m, labels=_field_labels(),
                           profile=directory.visible_profile(m, viewer_level(), lang()))


# -- staff: dashboard, member moderation, skills taxonomy ----------------------------------------


def dashboard_counts(center, user) -> dict:
    """Cheap counts for the dashboard widget: waiting members, sheets to score."""
    from core.auth.permissions import can
    from plugins.dcc.competition_models import JudgeAssignment

    out = {"pending": None, "to_score": None}
    if can("dcc.moderate", center):
        q = db.select(db.func.count(Member.id)).where(
            Member.status == "pending", Member.contact_confirmed_at.is_not(None))
        if not user.is_deployer:
            q = q.where(Member.home_center_id == center.id)
        out["pending"] = db.session.execute(q).scalar_one()
    if can("dcc.judge", center):
        out["to_score"] = db.session.execute(db.select(db.func.count(JudgeAssignment.id)).where(
            JudgeAssignment.judge_user_id == user.id, JudgeAssignment.recused.is_(False),
            JudgeAssignment.submitted_at.is_(None))).scalar_one()
    return out


@bp.route("/")
@permission_required("dcc.moderate")
def index():
    counts = dashboard_counts(require_center(), current_user)
    return render_template("dcc/index.html", pending=counts["pending"])


@bp.route("/moderation")
@permission_required("dcc.moderate")
def moderation():
    q = db.select(Member).where(Member.status == "pending",
                                Member.contact_confirmed_at.is_not(None)).order_by(Member.id)
    # Registrations still waiting for their code hold their contact too: the office rejects
    # one when the contact's owner says it is not theirs (members.CONTACT_REFUSED).
    unconfirmed = db.select(Member).where(Member.status == "pending",
                                          Member.contact_confirmed_at.is_(None)) \
        .order_by(Member.id.desc()).limit(100)
    if not current_user.is_deployer:
        q = q.where(Member.home_center_id == require_center().id)
        unconfirmed = unconfirmed.where(Member.home_center_id == require_center().id)
    return render_template("dcc/moderation.html", members=db.session.execute(q).scalars().all(),
                           unconfirmed=db.session.execute(unconfirmed).scalars().all(),
                           pending_days=svc.pending_days(),
                           action=ActionForm(), labels=_field_labels())


@bp.route("/moderation/<int:member_id>/approve", methods=["POST"])
@permission_required("dcc.moderate")
def member_approve(member_id: int):
    member = member_for_moderation(member_id)
    if ActionForm().validate_on_submit():
        try:
            svc.approve_member(db.session, member, current_user)
        except svc.DccError as exc:
            db.session.rollback()
            flash(_error(exc), "danger")
        else:
            db.session.commit()
            flash(_("Member approved."), "success")
    return redirect(url_for("dcc.moderation"))


@bp.route("/moderation/<int:member_id>/reject", methods=["GET", "POST"])
@permission_required("dcc.moderate")
def member_reject(member_id: int):
    member = member_for_moderation(member_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            svc.reject_member(db.session, member, current_user, form.reason.data)
        except svc.DccError as exc:
            form.reason.errors.append(_error(exc))
        else:
            db.session.commit()
            flash(_("Member rejected."), "info")
            return redirect(url_for("dcc.moderation"))
    return render_template("dcc/form.html", form=form,
                           title=_("Reject %(name)s", name=member.display_name(lang())))


@bp.route("/skills", methods=["GET", "POST"])
@permission_required("dcc.moderate")
def skills():
    form = SkillForm()
    if form.validate_on_submit():
        code = form.code.data.strip().upper()
        skill = db.session.execute(db.select(Skill).where(Skill.code == code)).scalar_one_or_none()
        skill = skill or Skill(code=code)
        skill.name_en, skill.name_km = form.name_en.data, form.name_km.data or ""
        skill.group_en, skill.active = form.group_en.data or "", form.active.data
        db.session.add(skill)
        db.session.commit()
        flash(_("Skill %(code)s saved.", code=code), "success")
        return redirect(url_for("dcc.skills"))
    rows = db.session.execute(db.select(Skill).order_by(Skill.group_en, Skill.code)).scalars()
    return render_template("dcc/skills.html", form=form, skills=rows.all())


from plugins.dcc import (  # noqa: E402,F401  routes on bp
    views_admin,
    views_competitions,
    views_identity,
    views_judging,
    views_members,
    views_orgs,
    views_teams,
)
