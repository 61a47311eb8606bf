"""Organisations and opportunities: register, verify, post, moderate, expire, interest."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.extensions import db
from core.tenancy import PROVINCES, utcnow
from plugins.dcc.members import DccError
from plugins.dcc.models import OPPORTUNITY_KINDS, Interest, Member, Opportunity, Organisation

ORGANISATION_KINDS = ("company", "institution", "ngo", "government", "academic")


def register_organisation(session, owner: Member, *, name_en: str, name_km: str = "",
                          kind: str = "company", province_code: str = "", website: str = "",
                          description: str = "") -> Organisation:
    if owner.status != "approved":
        raise DccError("Only approved members can register an organisation.")
    if not (name_en or "").strip():
        raise DccError("Give the organisation's name.")
    if kind not in ORGANISATION_KINDS:
        raise DccError("Unknown kind of organisation.")
    if province_code and province_code not in PROVINCES:
        raise DccError("Unknown province.")
    org = Organisation(owner_member_id=owner.id, home_center_id=owner.home_center_id,
                       name_en=name_en.strip(), name_km=(name_km or "").strip(), kind=kind,
                       province_code=province_code, website=website or "",
                       description=description or "", status="pending")
    session.add(org)
    session.flush()
    return org


def verified_organisations(session) -> list[Organisation]:
    """The organisations a judge's or a member's organisation is chosen from: the national
    registry's verified ones (pending and rejected ones are their moderators' business)."""
    return session.execute(db.select(Organisation).where(Organisation.status == "verified")
                           .order_by(Organisation.name_en, Organisation.id)).scalars().all()


def verified_organisation(session, ident, keep: int | None = None) -> Organisation | None:
    """The verified organisation chosen as ``ident`` (an id, as a form sends it; empty:
    none). ``keep`` is an organisation already held, kept even if no longer verified. Any
    other id, whether nobody's or an organisation not verified, gets the same refusal."""
    text = str(ident if ident is not None else "").strip()
    if not text:
        return None
    org = None
    if text.isdigit() and 0 < int(text) < 2**31:
        org = session.get(Organisation, int(text))
    if org is not None and (org.verified or org.id == keep):
        return org
    raise DccError(_l("Organisation %(id)s is not in the DCC registry: choose one from the "
                      "list, or type its name.", id=text[:20]))


def verify_organisation(session, org: Organisation, now: datetime | None = None) -> None:
    org.status = "verified"
    org.rejection_reason = ""
    org.verified_at = now or utcnow()
    audit.record("dcc.organisation.verify", object_type="dcc_organisation", object_id=org.id,
                 session=session)
    session.flush()


def reject_organisation(session, org: Organisation, reason: str) -> None:
    if not (reason or "").strip():
        raise DccError("Give the reason for the rejection.")
    org.status = "rejected"
    org.rejection_reason = reason.strip()
    audit.record("dcc.organisation.reject", object_type="dcc_organisation", object_id=org.id,
                 changes={"reason": org.rejection_reason}, session=session)
    session.flush()


def post_opportunity(session, org: Organisation, poster: Member, *, kind: str, title: str,
                     description: str = "", province_code: str = "", expires_on: date,
                     today: date | None = None) -> Opportunity:
    today = today or clock.today()
    if org.owner_member_id != poster.id:
        raise DccError("Only the organisation's owner can post for it.")
    if not org.verified:
        raise DccError("A moderator must verify the organisation before it can post.")
    if kind not in OPPORTUNITY_KINDS:
        raise DccError("Unknown kind of opportunity.")
    if not (title or "").strip():
        raise DccError("Give a title.")
    if expires_on < today:
        raise DccError("The closing date is in the past.")
    opp = Opportunity(organisation_id=org.id, kind=kind, title=title.strip(),
                      description=description or "", province_code=province_code or "",
                      expires_on=expires_on, status="pending")
    session.add(opp)
    session.flush()
    return opp


def moderate_opportunity(session, opp: Opportunity, approve: bool, reason: str = "") -> None:
    if not approve and not (reason or "").strip():
        raise DccError("Give the reason for the rejection.")
    opp.status = "approved" if approve else "rejected"
    opp.rejection_reason = "" if approve else reason.strip()
    audit.record("dcc.opportunity." + ("approve" if approve else "reject"),
                 object_type="dcc_opportunity", object_id=opp.id,
                 changes={"reason": opp.rejection_reason}, session=session)
    session.flush()


def is_open(opp: Opportunity, today: date) -> bool:
    """Approved and not expired: open through its closing day, closed the day after (days
    in the installation's time zone: ``core.clock.today()``)."""
    return opp.status == "approved" and opp.organisation.verified and today <= opp.expires_on


def open_opportunities(session, today: date | None = None) -> list[Opportunity]:
    today = today or clock.today()
    rows = session.execute(
        db.select(Opportunity).join(Organisation).where(
            Opportunity.status == "approved", Organisation.status == "verified",
            Opportunity.expires_on >= today).order_by(Opportunity.expires_on, Opportunity.id)
    ).scalars().all()
    return list(rows)


def express_interest(session, opp: Opportunity, member: Member,
                     today: date | None = None) -> Interest:
    today = today or clock.today()
    if member.status != "approved":
        raise DccError("Only approved members can express interest.")
    if not is_open(opp, today):
        raise DccError("This opportunity is closed.")
    existing = session.execute(db.select(Interest).where(
        Interest.opportunity_id == opp.id, Interest.member_id == member.id)).scalar_one_or_none()
    if existing:
        return existing
    row = Interest(opportunity_id=opp.id, member_id=member.id)
    session.add(row)
    session.flush()
    return row
