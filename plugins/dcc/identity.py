"""Which contacts of a member the registry has proven, and the check of a national ID.

A training certificate (``ctc_certificate_issued``, :mod:`plugins.dcc.integration`)
becomes a verified credential of a member only through a contact the registry has proven:

* the **phone number**. A member's phone is the contact they registered with: the
  six-digit code was sent to it and typed back (``contact_confirmed_at``), it is their user
  name, one registration holds it at a time, and the profile cannot change it.
* the **national ID**. The member types it, so anyone could type someone else's. It matches
  only once a moderator who may approve the member (``dcc.moderate`` at the member's home
  center; deployers for every member) has compared it with the member's ID card
  (:func:`check_national_id`). Changing it clears the check (:func:`national_id_changed`).

The issuer cannot be asked for its certificates again (no hook does that, and plugins do
not import each other), so a certificate announced for a national ID that a consenting
member typed but nobody has checked is kept as a :class:`CredentialNotice`; recording the
check turns the member's notices into credentials.

Plain functions over plain arguments; nothing here reads ``request``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from core import audit
from core.extensions import db
from core.tenancy import utcnow
from plugins.dcc.members import DccError, normalise_national_id
from plugins.dcc.models import CredentialNotice, Member, VerifiedCredential


def national_id_checked(member: Member) -> bool:
    return bool(member.national_id) and member.national_id_checked_at is not None


def phone_proven(member: Member) -> bool:
    """The phone is the contact the member confirmed with a code when registering."""
    return bool(member.phone) and member.contact_confirmed_at is not None


def certificate_fields(certificate: dict) -> dict:
    """The parts of a ``ctc_certificate_issued`` payload a credential keeps."""
    return {"number": certificate.get("number") or "", "code": certificate["code"],
            "title_en": certificate.get("course_title_en") or "",
            "title_km": certificate.get("course_title_km") or "",
            "course_code": certificate.get("course_code") or "",
            "hours": certificate.get("hours"), "issued_on": certificate.get("issued_on")}


def add_credential(member: Member, fields: dict,
                   source_center_id: int | None) -> VerifiedCredential | None:
    """A credential for the member, unless they hold this code already."""
    if any(c.code == fields["code"] for c in member.credentials):
        return None
    cred = VerifiedCredential(source_center_id=source_center_id, **fields)
    member.credentials.append(cred)
    return cred


def keep_notice(session, member: Member, national_id: str, fields: dict,
                source_center_id: int | None) -> None:
    """Remember a certificate for the member's national ID until a moderator checks it."""
    known = session.execute(db.select(CredentialNotice.id).where(
        CredentialNotice.member_id == member.id,
        CredentialNotice.code == fields["code"])).first()
    if known is None:
        session.add(CredentialNotice(member_id=member.id, national_id=national_id,
                                     source_center_id=source_center_id, **fields))


def _notice_fields(notice: CredentialNotice) -> dict:
    return {name: getattr(notice, name) for name in (
        "number", "code", "title_en", "title_km", "course_code", "hours", "issued_on")}


def check_national_id(session, member: Member, moderator, card_number: str,
                      now: datetime | None = None) -> list[VerifiedCredential]:
    """Record that ``moderator`` compared the member's national ID with their ID card.

    The moderator types the number printed on the card; it must be the one the member
    gave (so the check is of the card, not of a button). The member's certificates kept
    while the ID was unchecked become credentials (if they still consent); every notice of
    this number, the member's or a member's who typed the same number, is dropped.
    Returns the credentials added.
    """
    now = now or utcnow()
    if member.status != "approved":
        raise DccError("Only an approved member's national ID can be checked.")
    if member.user_id is not None and getattr(moderator, "id", None) == member.user_id:
        raise DccError("You cannot check your own national ID.")
    typed = normalise_national_id(member.national_id)
    if not typed:
        raise DccError("This member has not given a national ID.")
    if member.national_id_checked_at is not None:
        raise DccError("This member's national ID is checked already.")
    if normalise_national_id(card_number) != typed:
        raise DccError("The number on the ID card is not the one the member gave: ask them to correct their profile first.")
    if session.execute(db.select(Member.id).where(
            Member.national_id == typed, Member.national_id_checked_at.is_not(None),
            Member.id != member.id)).first():
        raise DccError("Another member's national ID was checked with this number: ask the DCC office.")
    member.national_id = typed
    member.national_id_checked_at = now
    member.national_id_checked_by_id = getattr(moderator, "id", None)
    try:
        session.flush()
    except IntegrityError as exc:  # the same number checked for two members at once
        raise DccError("Another member's national ID was checked with this number: ask the DCC office.") from exc
    audit.record("dcc.member.national_id_check", object_type="dcc_member", object_id=member.id,
                 changes={"checked_by_id": member.national_id_checked_by_id}, session=session)
    added = []
    consenting = member.has_consent("credentials")
    notices = session.execute(db.select(CredentialNotice).where(db.or_(
        CredentialNotice.national_id == typed, CredentialNotice.member_id == member.id))
        .order_by(CredentialNotice.id)).scalars().all()
    for notice in notices:
        if notice.member_id == member.id and notice.national_id == typed and consenting:
            cred = add_credential(member, _notice_fields(notice), notice.source_center_id)
            if cred is not None:
                added.append(cred)
        session.delete(notice)
    session.flush()
    return added


def national_id_changed(session, member: Member) -> None:
    """The member typed another national ID: the check goes (audited, without the number),
    and so do the notices kept for any other number."""
    if member.national_id_checked_at is not None:
        member.national_id_checked_at = None
        member.national_id_checked_by_id = None
        audit.record("dcc.member.national_id_uncheck", object_type="dcc_member",
                     object_id=member.id, session=session)
    session.execute(db.delete(CredentialNotice).where(
        CredentialNotice.member_id == member.id,
        CredentialNotice.national_id != normalise_national_id(member.national_id)))
    session.flush()


def members_to_check(session, *, home_center_id: int | None, everyone: bool,
                     text: str = "", limit: int = 100) -> list[Member]:
    """Approved members whose national ID waits for a check, those of ``home_center_id``
    unless ``everyone`` (a deployer); ``text`` narrows by name, email or phone."""
    q = db.select(Member).where(Member.status == "approved", Member.national_id != "",
                                Member.national_id_checked_at.is_(None))
    if not everyone:
        q = q.where(Member.home_center_id == home_center_id)
    text = (text or "").strip()
    if text:
        like = f"%{text}%"
        q = q.where(db.or_(Member.name_en.ilike(like), Member.name_km.ilike(like),
                           Member.email.ilike(like), Member.phone.ilike(like)))
    return list(session.execute(q.order_by(Member.id).limit(limit)).scalars())
