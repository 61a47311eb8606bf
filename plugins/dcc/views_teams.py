"""Team invitations: the lead invites and withdraws; the invited member accepts or declines.

The lead's answers never depend on whom a contact belongs to (see ``teams``). An
invitation that is not the current member's, or not the lead's to withdraw, is a 404.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from core.extensions import db
from plugins.dcc import teams
from plugins.dcc.competition_models import EntryInvitation
from plugins.dcc.forms import ActionForm, InviteForm
from plugins.dcc.members import DccError
from plugins.dcc.views import bp, member_page
from plugins.dcc.views_competitions import _my_entry, competition_visible


@bp.route("/me/entries/<int:entry_id>/invite", methods=["POST"])
@member_page
def entry_invite(entry_id: int):
    entry = _my_entry(entry_id)
    if entry.lead_member_id != g.dcc_member.id:
        abort(404)
    form = InviteForm(prefix="inv")
    if form.validate_on_submit():
        try:
            teams.invite(db.session, entry, g.dcc_member, (form.contacts.data or "").splitlines())
        except DccError as exc:
            db.session.rollback()
            flash(_(str(exc)), "danger")
        else:
            db.session.commit()
            flash(_("Invited: they accept on their own DCC pages."), "success")
    return redirect(url_for("dcc.my_entry", entry_id=entry_id))


def _invitation(invitation_id: int) -> EntryInvitation:
    inv = db.session.get(EntryInvitation, invitation_id)
    if inv is None or not competition_visible(inv.entry.competition):
        abort(404)
    return inv


@bp.route("/me/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@member_page
def invitation_withdraw(invitation_id: int):
    inv = _invitation(invitation_id)
    if inv.entry.lead_member_id != g.dcc_member.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            teams.withdraw(db.session, inv, g.dcc_member)
        except DccError as exc:
            db.session.rollback()
            flash(_(str(exc)), "danger")
        else:
            db.session.commit()
            flash(_("The invitation is withdrawn."), "info")
    return redirect(url_for("dcc.my_entry", entry_id=inv.entry_id))


def _addressed_to_me(invitation_id: int) -> EntryInvitation:
    inv = _invitation(invitation_id)
    if not inv.contact or inv.contact not in teams.contacts_of(g.dcc_member):
        abort(404)
    return inv


def _answer(invitation_id: int, answer, done: str, category: str, to_entry: bool):
    """Accept or decline an invitation addressed to the signed-in member."""
    inv = _addressed_to_me(invitation_id)
    if ActionForm().validate_on_submit():
        try:
            answer(db.session, inv, g.dcc_member)
        except DccError as exc:
            db.session.rollback()
            flash(_(str(exc)), "danger")
        else:
            db.session.commit()
            flash(done, category)
            if to_entry:
                return redirect(url_for("dcc.my_entry", entry_id=inv.entry_id))
    return redirect(url_for("dcc.my_entries"))


@bp.route("/me/invitations/<int:invitation_id>/accept", methods=["POST"])
@member_page
def invitation_accept(invitation_id: int):
    return _answer(invitation_id, teams.accept, _("You joined the team."), "success",
                   to_entry=True)


@bp.route("/me/invitations/<int:invitation_id>/decline", methods=["POST"])
@member_page
def invitation_decline(invitation_id: int):
    return _answer(invitation_id, teams.decline, _("You declined the invitation."), "info",
                   to_entry=False)
