"""The member's own area: profile and visibility, skills, consents, export, deletion."""

from __future__ import annotations

import json

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.downloads import file_response
from core.extensions import db
from core.forms import choices
from core.i18n import lang
from core.tenancy import Center
from plugins.dcc import directory
from plugins.dcc import members as svc
from plugins.dcc.forms import (
    ActionForm,
    ConsentForm,
    DeleteAccountForm,
    MemberSkillForm,
    ProfileForm,
)
from plugins.dcc.models import VISIBLE_FIELDS, Skill
from plugins.dcc.opportunities import verified_organisation
from plugins.dcc.views import _error, _field_labels, bp, member_page, organisation_choices

# -- the member's own area -------------------------------------------------------------------


@bp.route("/me")
@member_page
def me():
    m = g.dcc_member
    from plugins.dcc.teams import invitations_for

    home_center = db.session.get(Center, m.home_center_id) if m.home_center_id else None
    return render_template("dcc/me.html", member=m, profile=directory.visible_profile(m, "all", lang()),
                           labels=_field_labels(), home_center=home_center,
                           invitations=len(invitations_for(db.session, m)))


@bp.route("/me/edit", methods=["GET", "POST"])
@member_page
def profile_edit():
    m = g.dcc_member
    form = ProfileForm(obj=m, locale=lang())
    if request.method == "GET":
        for f in VISIBLE_FIELDS:
            getattr(form, "vis_" + f).data = m.visibility_of(f)
    form.organisation_id.choices = organisation_choices(keep=m.organisation)
    if form.validate_on_submit():
        try:
            org = verified_organisation(db.session, form.organisation_id.data,
                                        keep=m.organisation_id)
        except svc.DccError as exc:
            form.organisation_id.errors.append(_error(exc))
            return render_template("dcc/profile_form.html", form=form)
        try:
            svc.update_profile(db.session, m, form.profile(),
                               {f: getattr(form, "vis_" + f).data for f in VISIBLE_FIELDS})
            m.organisation = org
        except svc.DccError as exc:
            form.name_en.errors.append(_error(exc))
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("dcc.me"))
    return render_template("dcc/profile_form.html", form=form)


@bp.route("/me/skills", methods=["GET", "POST"])
@member_page
def my_skills():
    m = g.dcc_member
    form = MemberSkillForm()
    skills = db.session.execute(db.select(Skill).where(Skill.active.is_(True))
                                .order_by(Skill.group_en, Skill.name_en)).scalars().all()
    form.skill_id.choices = choices(
        (s.id, s.name_km if lang() == "km" and s.name_km else s.name_en) for s in skills)
    if form.validate_on_submit():
        svc.set_skill(db.session, m, db.session.get(Skill, form.skill_id.data), form.level.data)
        db.session.commit()
        return redirect(url_for("dcc.my_skills"))
    return render_template("dcc/my_skills.html", form=form, member=m, remove=ActionForm())


@bp.route("/me/skills/<code>/remove", methods=["POST"])
@member_page
def my_skill_remove(code: str):
    skill = db.session.execute(db.select(Skill).where(Skill.code == code)).scalar_one_or_none()
    if skill is None:
        abort(404)
    if ActionForm().validate_on_submit():
        svc.remove_skill(db.session, g.dcc_member, skill.id)
        db.session.commit()
    return redirect(url_for("dcc.my_skills"))


@bp.route("/me/consents", methods=["GET", "POST"])
@member_page
def my_consents():
    m = g.dcc_member
    form = ConsentForm(data={"directory": m.has_consent("directory"),
                             "credentials": m.has_consent("credentials")})
    if form.validate_on_submit():
        for kind in ("directory", "credentials"):
            wanted = bool(request.form.get(kind))
            if wanted != m.has_consent(kind):
                svc.set_consent(db.session, m, kind, wanted)
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("dcc.my_consents"))
    return render_template("dcc/consents.html", form=form, member=m)


@bp.route("/me/export.json")
@member_page
def my_export():
    data = json.dumps(svc.export_member(g.dcc_member), ensure_ascii=False, indent=2)
    return file_response(data.encode("utf-8"), "dcc-my-data.json", "application/json")


@bp.route("/me/delete", methods=["GET", "POST"])
@member_page
def my_delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if form.confirm.data.strip().upper() != "DELETE":
            form.confirm.errors.append(_("Type DELETE to confirm."))
        else:
            svc.delete_member(db.session, g.dcc_member)
            db.session.commit()
            from flask_login import logout_user

            logout_user()
            flash(_("Your account is deleted and your profile anonymised."), "info")
            return redirect(url_for("dcc.directory_page"))
    return render_template("dcc/delete.html", form=form)
