"""Organisations and opportunities: public list, members register and post, moderators verify."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.auth.permissions import permission_required, public
from core.extensions import db, limiter
from core.forms import choices
from core.i18n import lang
from core.tenancy import province_choices, require_center
from plugins.dcc import directory
from plugins.dcc import opportunities as svc
from plugins.dcc.forms import ActionForm, OpportunityForm, OrganisationForm, ReasonForm
from plugins.dcc.members import DccError
from plugins.dcc.models import Opportunity, Organisation
from plugins.dcc.views import (
    _field_labels,
    bp,
    current_member,
    member_page,
    moderation_scope,
    public_limit,
    require_national,
)


@bp.route("/opportunities")
@public
@limiter.limit(public_limit)
def opportunities():
    require_national()
    return render_template("dcc/opportunities.html",
                           rows=svc.open_opportunities(db.session),
                           member=current_member(), action=ActionForm())


@bp.route("/opportunities/<int:opportunity_id>/interest", methods=["POST"])
@member_page
def opportunity_interest(opportunity_id: int):
    opp = db.session.get(Opportunity, opportunity_id)
    if opp is None or not svc.is_open(opp, clock.today()):
        abort(404)
    if ActionForm().validate_on_submit():
        svc.express_interest(db.session, opp, g.dcc_member)
        db.session.commit()
        flash(_("The organisation will see your interest."), "success")
    return redirect(url_for("dcc.opportunities"))


@bp.route("/me/organisations", methods=["GET", "POST"])
@member_page
def my_organisations():
    form = OrganisationForm()
    form.province_code.choices = choices([("", "-")] + province_choices(lang()))
    if form.validate_on_submit():
        try:
            svc.register_organisation(
                db.session, g.dcc_member, name_en=form.name_en.data, name_km=form.name_km.data,
                kind=form.kind.data, province_code=form.province_code.data or "",
                website=form.website.data or "", description=form.description.data or "")
        except DccError as exc:
            form.name_en.errors.append(_(str(exc)))
        else:
            db.session.commit()
            flash(_("Registered. A moderator will verify the organisation."), "success")
            return redirect(url_for("dcc.my_organisations"))
    orgs = db.session.execute(db.select(Organisation).where(
        Organisation.owner_member_id == g.dcc_member.id).order_by(Organisation.id)).scalars().all()
    posts = db.session.execute(db.select(Opportunity).where(
        Opportunity.organisation_id.in_([o.id for o in orgs] or [0]))
        .order_by(Opportunity.id.desc())).scalars().all()
    return render_template("dcc/my_organisations.html", form=form, orgs=orgs, posts=posts,
                           visible=lambda m: directory.visible_profile(m, "members", lang()),
                           labels=_field_labels())


def _own_organisation(organisation_id: int) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.owner_member_id != g.dcc_member.id:
        abort(404)
    return org


@bp.route("/me/organisations/<int:organisation_id>/post", methods=["GET", "POST"])
@member_page
def opportunity_new(organisation_id: int):
    org = _own_organisation(organisation_id)
    form = OpportunityForm()
    form.province_code.choices = choices([("", "-")] + province_choices(lang()))
    if form.validate_on_submit():
        try:
            svc.post_opportunity(db.session, org, g.dcc_member, kind=form.kind.data,
                                 title=form.title.data, description=form.description.data or "",
                                 province_code=form.province_code.data or "",
                                 expires_on=form.expires_on.data)
        except DccError as exc:
            form.title.errors.append(_(str(exc)))
        else:
            db.session.commit()
            flash(_("Sent for moderation."), "success")
            return redirect(url_for("dcc.my_organisations"))
    return render_template("dcc/form.html", form=form, title=_("New opportunity"))


# -- moderators -----------------------------------------------------------------------------


def _scoped_org(organisation_id: int) -> Organisation:
    require_center()
    org = db.session.get(Organisation, organisation_id)
    if org is None or not moderation_scope(org.home_center_id):
        abort(404)
    return org


@bp.route("/organisations")
@permission_required("dcc.moderate")
def organisations():
    q = db.select(Organisation).order_by(Organisation.status.desc(), Organisation.id)
    opp_q = db.select(Opportunity).join(Organisation).where(Opportunity.status == "pending")
    if not current_user.is_deployer:
        q = q.where(Organisation.home_center_id == require_center().id)
        opp_q = opp_q.where(Organisation.home_center_id == require_center().id)
    return render_template("dcc/organisations.html", orgs=db.session.execute(q).scalars().all(),
                           pending=db.session.execute(opp_q).scalars().all(),
                           action=ActionForm())


@bp.route("/organisations/<int:organisation_id>/verify", methods=["POST"])
@permission_required("dcc.moderate")
def organisation_verify(organisation_id: int):
    org = _scoped_org(organisation_id)
    if ActionForm().validate_on_submit():
        svc.verify_organisation(db.session, org)
        db.session.commit()
        flash(_("Organisation verified."), "success")
    return redirect(url_for("dcc.organisations"))


@bp.route("/organisations/<int:organisation_id>/reject", methods=["GET", "POST"])
@permission_required("dcc.moderate")
def organisation_reject(organisation_id: int):
    org = _scoped_org(organisation_id)
    form = ReasonForm()
    if form.validate_on_submit():
        svc.reject_organisation(db.session, org, form.reason.data)
        db.session.commit()
        return redirect(url_for("dcc.organisations"))
    return render_template("dcc/form.html", form=form, title=_("Reject %(name)s", name=org.name_en))


def _scoped_opportunity(opportunity_id: int) -> Opportunity:
    opp = db.session.get(Opportunity, opportunity_id)
    if opp is None:
        abort(404)
    _scoped_org(opp.organisation_id)
    return opp


@bp.route("/opportunities/<int:opportunity_id>/approve", methods=["POST"])
@permission_required("dcc.moderate")
def opportunity_approve(opportunity_id: int):
    opp = _scoped_opportunity(opportunity_id)
    if ActionForm().validate_on_submit():
        svc.moderate_opportunity(db.session, opp, True)
        db.session.commit()
    return redirect(url_for("dcc.organisations"))


@bp.route("/opportunities/<int:opportunity_id>/reject", methods=["GET", "POST"])
@permission_required("dcc.moderate")
def opportunity_reject(opportunity_id: int):
    opp = _scoped_opportunity(opportunity_id)
    form = ReasonForm()
    if form.validate_on_submit():
        svc.moderate_opportunity(db.session, opp, False, form.reason.data)
        db.session.commit()
        return redirect(url_for("dcc.organisations"))
    return render_template("dcc/form.html", form=form, title=_("Reject %(name)s", name=opp.title))
