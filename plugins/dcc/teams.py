"""Team entries by invitation: the lead invites contacts, each team mate answers on their own
pages.

The lead types email addresses or phone numbers. Each becomes an invitation holding the
contact as typed (normalised as at registration), whatever it matches: the lead sees
"invited" for every contact, so entering never tells the lead whether a contact belongs to
a member, let alone an eligible one. The member holding the contact sees the invitation on
their own pages and accepts or declines; a refusal's reasons (eligibility, an entry
already) are told to them only.

The team is its accepted members (``EntryMember`` rows, the lead included). An entry of a
team competition may submit once it has ``team_min`` of them; invitations are accepted only
while registration is open, so a team still short at the deadline can never submit, and an
entry without a submission is never ranked. Pending and declined invitations keep their
place in the team (the lead cannot tell them apart) until the lead withdraws them.

Plain functions over plain arguments; nothing here reads ``request``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.tenancy import utcnow
from plugins.dcc.competition_models import Entry, EntryInvitation, EntryMember
from plugins.dcc.members import DccError, normalise_contact
from plugins.dcc.models import Member

# Invitations that hold a place in the team besides the accepted members.
OPEN = ("pending", "declined")


class ContactRefused(DccError):
    """Something wrong with the text the lead typed (shown next to the field)."""


def contacts_of(member: Member) -> list[str]:
    return [c for c in (member.email, member.phone) if c]


def clean_contacts(lines, lead: Member) -> list[str]:
    """The normalised contacts of what the lead typed, in order; blank lines skipped.

    Refusals speak only of the text typed: a line that is no email address or phone
    number, the same contact twice, or the lead's own contact.
    """
    out: list[str] = []
    for line in lines or ():
        line = (line or "").strip()
        if not line:
            continue
        try:
            _channel, value = normalise_contact(line)
        except DccError as exc:
            raise ContactRefused(_l("Check %(contact)s: give an email address or a phone "
                                    "number.", contact=line)) from exc
        if value in contacts_of(lead):
            raise ContactRefused(_l("You lead this team already: list only your team mates."))
        if value in out:
            raise ContactRefused(_l("%(contact)s is listed twice.", contact=line))
        out.append(value)
    return out


def new_invitations(entry: Entry, contacts: list[str], now: datetime) -> list[EntryInvitation]:
    return [EntryInvitation(entry_id=entry.id, competition_id=entry.competition_id,
                            center_id=entry.center_id, contact=value, created_at=now)
            for value in contacts]


def places_taken(entry: Entry) -> int:
    """Accepted members plus the invitations still open (pending or declined)."""
    return len(entry.members) + sum(1 for i in entry.invitations if i.status in OPEN)


def team_complete(entry: Entry) -> bool:
    """Enough accepted members to take part (always, for an individual entry)."""
    c = entry.competition
    return not c.team_entries or len(entry.members) >= c.team_min


def _registration_open(entry: Entry, now: datetime) -> None:
    c = entry.competition
    if c.status != "open" or not c.registration_opens_at <= now < c.registration_closes_at:
        raise DccError("Registration is closed.")
    if entry.status != "active":
        raise DccError("This entry was disqualified.")


def _lock(session, entry: Entry) -> None:
    """Serialise changes to one team: a write first (a row lock on PostgreSQL, the writer
    lock on SQLite), then read the team afresh."""
    table = Entry.__table__
    session.execute(sa.update(table).where(table.c.id == entry.id)
                    .values(team_name=table.c.team_name))
    session.refresh(entry)


def invite(session, entry: Entry, lead: Member, lines, now: datetime | None = None
           ) -> list[EntryInvitation]:
    """The lead invites more team mates, while registration is open and places remain."""
    now = now or utcnow()
    c = entry.competition
    if entry.lead_member_id != lead.id:
        raise DccError("Only the team lead can invite team mates.")
    if not c.team_entries:
        raise DccError("This competition takes individual entries only.")
    _registration_open(entry, now)
    contacts = clean_contacts(lines, lead)
    if not contacts:
        raise DccError("Give the email address or phone number of a team mate.")
    _lock(session, entry)
    invited = {i.contact for i in entry.invitations if i.status != "withdrawn"}
    for value in contacts:
        if value in invited:
            raise DccError(_l("%(contact)s is invited already.", contact=value))
    if places_taken(entry) + len(contacts) > c.team_max:
        raise DccError(_l("A team has %(min)s to %(max)s members.", min=c.team_min,
                          max=c.team_max))
    rows = new_invitations(entry, contacts, now)
    session.add_all(rows)
    session.flush()
    session.refresh(entry)
    return rows


def withdraw(session, invitation: EntryInvitation, lead: Member) -> None:
    """The lead takes back an invitation nobody accepted (pending or declined alike)."""
    if invitation.entry.lead_member_id != lead.id:
        raise DccError("Only the team lead can invite team mates.")
    if invitation.status not in OPEN:
        raise DccError("This invitation is no longer open.")
    invitation.status = "withdrawn"
    session.flush()


def _mine(invitation: EntryInvitation, member: Member) -> bool:
    return bool(invitation.contact) and invitation.contact in contacts_of(member)


def invitations_for(session, member: Member, now: datetime | None = None
                    ) -> list[EntryInvitation]:
    """The member's pending invitations to entries still taking team mates."""
    now = now or utcnow()
    contacts = contacts_of(member)
    if not contacts:
        return []
    rows = session.execute(db.select(EntryInvitation).where(
        EntryInvitation.contact.in_(contacts), EntryInvitation.status == "pending")
        .order_by(EntryInvitation.id)).scalars()
    out = []
    for inv in rows:
        c = inv.entry.competition
        if (inv.entry.status == "active" and c.status == "open"
                and c.registration_opens_at <= now < c.registration_closes_at):
            out.append(inv)
    return out


def accept(session, invitation: EntryInvitation, member: Member,
           now: datetime | None = None) -> EntryMember:
    """The invited member joins the team; their own refusals are told to them."""
    from plugins.dcc.competitions import ineligibility

    now = now or utcnow()
    if not _mine(invitation, member) or invitation.status != "pending":
        raise DccError("This invitation is no longer open.")
    entry = invitation.entry
    c = entry.competition
    _registration_open(entry, now)
    reasons = ineligibility(c, member)
    if reasons:
        raise DccError(reasons[0])
    _lock(session, entry)
    session.refresh(invitation)
    if invitation.status != "pending":
        raise DccError("This invitation is no longer open.")
    if session.execute(db.select(EntryMember.id).where(
            EntryMember.competition_id == c.id, EntryMember.member_id == member.id)).first():
        raise DccError("You have entered this competition already.")
    if len(entry.members) >= c.team_max:
        raise DccError("This team is full.")
    row = EntryMember(entry_id=entry.id, competition_id=c.id, center_id=c.center_id,
                      member_id=member.id)
    session.add(row)
    invitation.status, invitation.member_id, invitation.answered_at = "accepted", member.id, now
    session.flush()
    session.refresh(entry)
    return row


def decline(session, invitation: EntryInvitation, member: Member,
            now: datetime | None = None) -> None:
    if not _mine(invitation, member) or invitation.status != "pending":
        raise DccError("This invitation is no longer open.")
    invitation.status, invitation.member_id = "declined", member.id
    invitation.answered_at = now or utcnow()
    session.flush()
