"""Competitions: public pages and results, entering and submitting, set-up, judging."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.permissions import can, public
from core.downloads import file_response, pdf_response
from core.extensions import db, limiter
from core.i18n import lang
from core.plugins import plugin_enabled
from core.tenancy import current_center, utcnow
from plugins.dcc import competitions as svc
from plugins.dcc import results, teams
from plugins.dcc.competition_models import (
    Competition,
    DccCertificate,
    Entry,
    EntryMember,
    JudgeAssignment,
    Submission,
)
from plugins.dcc.forms import (
    ActionForm,
    EntryForm,
    InviteForm,
    SubmissionForm,
)
from plugins.dcc.members import DccError
from plugins.dcc.models import Member
from plugins.dcc.ranking import TIE_BREAK_EN
from plugins.dcc.views import bp, current_member, member_page, national_enabled, public_limit


def entry_label(entry: Entry, *, blind: bool = False, level: str = "public") -> str:
    """How an entry is named on a page: never a name the member keeps from ``level``."""
    if blind:
        return _("Entry %(n)s", n=entry.id)
    if entry.team_name:
        return entry.team_name
    lead = entry.lead
    if lead.status == "deleted":
        return _("Anonymous participant")
    if level != "all":
        from plugins.dcc.directory import allowed

        field = "name_km" if lang() == "km" and lead.name_km else "name_en"
        if not allowed(lead, field, level):
            return _("Participant %(n)s", n=entry.id)
    return lead.display_name(lang())


def competition_visible(c: Competition) -> bool:
    if c.status == "draft":
        return False
    return national_enabled() if c.center is None else plugin_enabled("dcc", c.center)


def public_competition(slug: str) -> Competition:
    c = db.session.execute(db.select(Competition).where(Competition.slug == slug)).scalar_one_or_none()
    if c is None or not competition_visible(c):
        abort(404)
    return c


# -- public ------------------------------------------------------------------------------------


@bp.route("/competitions")
@public
@limiter.limit(public_limit)
def competitions():
    rows = db.session.execute(db.select(Competition).where(Competition.status != "draft")
                              .order_by(Competition.registration_opens_at.desc())).scalars()
    return render_template("dcc/competitions.html", rows=[c for c in rows if competition_visible(c)])


@bp.route("/competitions/<slug>")
@public
@limiter.limit(public_limit)
def competition(slug: str):
    c = public_competition(slug)
    member = current_member()
    mine = None
    if member is not None:
        mine = db.session.execute(db.select(EntryMember).where(
            EntryMember.competition_id == c.id, EntryMember.member_id == member.id)).scalar_one_or_none()
    return render_template("dcc/competition.html", c=c, member=member, mine=mine,
                           reasons=svc.ineligibility(c, member) if member else [],
                           tie_break=_(TIE_BREAK_EN),
                           categories=[category_label(x) for x in c.eligible_categories or []],
                           provinces=[province_name(x) for x in c.eligible_provinces or []])


def category_label(code: str) -> str:
    from plugins.dcc.forms import category_choices

    return str(dict(category_choices()).get(code, code))


def province_name(code: str) -> str:
    from core.tenancy import PROVINCES

    p = PROVINCES.get(code)
    if p is None:
        return code
    return (p.name_kh or p.name_en) if lang() == "km" else (p.name_en or p.name_kh)


@bp.route("/competitions/<slug>/results")
@public
@limiter.limit(public_limit)
def competition_results(slug: str):
    c = public_competition(slug)
    if c.status != "published":
        abort(404)
    level = "members" if current_member() else "public"
    rows = [r for r in results.result_rows(db.session, c) if r.rank is not None]
    return render_template("dcc/results.html", c=c, rows=rows, tie_break=_(TIE_BREAK_EN),
                           label=lambda e: entry_label(e, level=level))


# -- members: enter and submit -------------------------------------------------------------------


@bp.route("/competitions/<slug>/enter", methods=["GET", "POST"])
@member_page
def competition_enter(slug: str):
    c = public_competition(slug)
    form = EntryForm()
    if not c.team_entries:
        del form.teammates
        del form.team_name
    if form.validate_on_submit():
        contacts = (form.teammates.data or "").splitlines() if c.team_entries else []
        try:
            entry = svc.create_entry(db.session, c, g.dcc_member, contacts,
                                     form.team_name.data if c.team_entries else "")
        except DccError as exc:
            db.session.rollback()
            # About the lead or the text typed only: a contact is never looked up here.
            if isinstance(exc, teams.ContactRefused):
                form.teammates.errors.append(_(str(exc)))
            else:
                flash(_(str(exc)), "danger")
        else:
            db.session.commit()
            if entry.invitations:
                flash(_("You are entered, and your team mates are invited: the team counts "
                        "those who accept before registration closes."), "success")
            else:
                flash(_("You are entered. Submit your work before the deadline."), "success")
            return redirect(url_for("dcc.my_entry", entry_id=entry.id))
    return render_template("dcc/enter.html", c=c, form=form)


def mate_name(member: Member, viewer: Member | None) -> str:
    """A team mate's name as ``viewer`` (a DCC member) may see it: through its visibility."""
    if member.status == "deleted":
        return _("Anonymous participant")
    if viewer is not None and viewer.id == member.id:
        return member.display_name(lang())
    from plugins.dcc.directory import allowed

    km = lang() == "km"
    for field in (("name_km", "name_en") if km else ("name_en", "name_km")):
        if getattr(member, field) and allowed(member, field, "members"):
            return getattr(member, field)
    return _("Team mate (name not shared)")


def _my_entry(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if (entry is None or g.dcc_member.id not in {em.member_id for em in entry.members}
            or not competition_visible(entry.competition)):
        abort(404)
    return entry


@bp.route("/me/entries")
@member_page
def my_entries():
    # A center that switched the DCC off takes its competitions' entries off these pages.
    rows = [em for em in db.session.execute(db.select(EntryMember).where(
        EntryMember.member_id == g.dcc_member.id).order_by(EntryMember.id.desc())).scalars()
        if competition_visible(em.entry.competition)]
    certs = [x for x in db.session.execute(db.select(DccCertificate).where(
        DccCertificate.member_id == g.dcc_member.id)).scalars()
        if competition_visible(x.competition)]
    invitations = [i for i in teams.invitations_for(db.session, g.dcc_member)
                   if competition_visible(i.entry.competition)]
    return render_template("dcc/my_entries.html", rows=rows, certs=certs,
                           invitations=invitations, action=ActionForm(),
                           lead_name=lambda e: mate_name(e.lead, g.dcc_member))


@bp.route("/me/entries/<int:entry_id>", methods=["GET", "POST"])
@member_page
def my_entry(entry_id: int):
    entry = _my_entry(entry_id)
    form = SubmissionForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and upload.filename:
                svc.submit(db.session, entry, instance_path=current_app.instance_path,
                           filename=upload.filename, data=upload.read())
            else:
                svc.submit(db.session, entry, instance_path=current_app.instance_path,
                           url=form.url.data or "")
        except DccError as exc:
            db.session.rollback()
            form.url.errors.append(_(str(exc)))
        else:
            db.session.commit()
            flash(_("Your submission is saved."), "success")
            return redirect(url_for("dcc.my_entry", entry_id=entry.id))
    return render_template("dcc/my_entry.html", entry=entry, c=entry.competition, form=form,
                           mate_name=lambda m: mate_name(m, g.dcc_member),
                           complete=teams.team_complete(entry), invite=InviteForm(prefix="inv"),
                           action=ActionForm(), places=teams.places_taken(entry),
                           lead=entry.lead_member_id == g.dcc_member.id,
                           registration_open=svc.window_open(
                               entry.competition.registration_opens_at,
                               entry.competition.registration_closes_at, utcnow()))


@bp.route("/me/certificates/<int:certificate_id>.pdf")
@member_page
def my_certificate(certificate_id: int):
    cert = db.session.get(DccCertificate, certificate_id)
    if (cert is None or cert.member_id != g.dcc_member.id
            or not competition_visible(cert.competition)):
        abort(404)
    return _certificate_pdf(cert)


def _certificate_pdf(cert: DccCertificate) -> Response:
    from core.documents import render_pdf

    pdf = render_pdf("dcc/certificate.html", results.certificate_context(
        cert, url_for("verification.verify", code=cert.code, _external=True)), "a4-landscape")
    return pdf_response(pdf, f"{cert.number}.pdf")


@bp.route("/submissions/<int:submission_id>/file")
@public
def submission_file(submission_id: int):
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.kind != "file" or not _may_read(sub.entry):
        abort(404)
    path = Path(current_app.instance_path) / "dcc_submissions" / sub.stored_name
    if not path.is_file():
        abort(404)
    ext = sub.stored_name.rsplit(".", 1)[-1]
    return file_response(path, f"submission-{sub.id}.{ext}")


def _may_read(entry: Entry) -> bool:
    member = current_member()
    if (member is not None and member.id in {em.member_id for em in entry.members}
            and competition_visible(entry.competition)):
        return True
    if db.session.execute(db.select(JudgeAssignment.id).where(
            JudgeAssignment.entry_id == entry.id, JudgeAssignment.recused.is_(False),
            JudgeAssignment.judge_user_id == current_user.id)).first():
        return True
    c = entry.competition
    center = current_center()
    return (center is not None and can("dcc.moderate", center) and plugin_enabled("dcc", center)
            and (c.center_id == center.id or (c.center_id is None and current_user.is_deployer)))
