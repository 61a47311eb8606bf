"""Member services: registration, confirmation codes, moderation, profile, consent, deletion.

Plain functions over plain arguments: the session, the member and ``now`` (the server's
UTC clock by default) are passed in; nothing here reads ``request``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from core import audit, phones
from core import files as stored_files
from core.auth.models import User
from core.extensions import db
from core.tenancy import PROVINCES, utcnow
from plugins.dcc.models import (
    CATEGORIES,
    CONSENT_KINDS,
    CONTACT_HOLDING_STATUSES,
    PRIVACY_TERMS_VERSION,
    SEXES,
    VISIBILITY_LEVELS,
    VISIBLE_FIELDS,
    ConfirmationCode,
    ConsentRecord,
    CredentialNotice,
    Member,
    MemberSkill,
    Skill,
    new_token,
)

CODE_TTL = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODES_PER_HOUR = 5
PROFILE_FIELDS = ("name_km", "name_en", "sex", "date_of_birth", "province_code", "category",
                  "organisation_name", "job_title", "experience", "education", "links",
                  "national_id")


class DccError(ValueError):
    """A request the DCC refuses; the message is for the user (English, translated by views)."""


# -- contacts ------------------------------------------------------------------------------

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_contact(text: str) -> tuple[str, str]:
    """('email', address) or ('phone', +855...) for what the person typed; DccError else."""
    text = (text or "").strip()
    if "@" in text:
        if not EMAIL_RE.match(text):
            raise DccError("This is not a valid email address.")
        return "email", text.lower()
    if not any(char.isdigit() for char in text):
        raise DccError("Give an email address or a phone number.")
    try:
        return "phone", phones.normalise(text)
    except phones.PhoneError as exc:  # "Enter a valid phone number, e.g. 012 345 678."
        raise DccError(exc.message) from exc


# One message whoever holds the contact (an approved member, a registration under way, a
# user of that name): a stranger typing someone's address learns nothing more.
CONTACT_REFUSED = _l("We could not register this contact. If it is yours, sign in or ask the "
                     "DCC office.")
PENDING_DAYS = 14


def pending_days() -> int:
    """``CTC_DCC_PENDING_DAYS`` (default 14): how long an unfinished registration (pending:
    not confirmed, or not yet approved) keeps its email address or phone number."""
    from flask import current_app, has_app_context

    value = current_app.config.get("CTC_DCC_PENDING_DAYS") if has_app_context() else None
    return max(int(value), 0) if value not in (None, "") else PENDING_DAYS


def expire_registration(session, member: Member, now: datetime | None = None) -> None:
    """A pending registration lets its contact go: status ``expired``, the password hash and
    codes erased. The record stays (moderators and the audit trail can still see it)."""
    if member.status != "pending":
        raise DccError("Only a pending member can be expired.")
    member.status = "expired"
    member.pending_password_hash = ""
    member.moderated_at = now or utcnow()
    session.execute(db.delete(ConfirmationCode).where(ConfirmationCode.member_id == member.id))
    audit.record("dcc.member.expire", object_type="dcc_member", object_id=member.id,
                 session=session)
    session.flush()  # before a new registration of the contact is inserted


def _contact_held(session, channel: str, value: str, now: datetime) -> bool:
    """Whether someone holds the contact: a core user of that name, an approved member, or
    a pending registration younger than :func:`pending_days`. Older pending registrations
    are expired on the way; rejected, expired and deleted records hold nothing."""
    if session.execute(db.select(User.id).where(User.username == value)).first():
        return True
    column = Member.email if channel == "email" else Member.phone
    held = False
    for member in session.execute(db.select(Member).where(
            column == value, Member.status.in_(CONTACT_HOLDING_STATUSES))).scalars():
        if member.status == "pending" and member.created_at <= now - timedelta(
                days=pending_days()):
            expire_registration(session, member, now)
        else:
            held = True
    return held


# -- registration -------------------------------------------------------------------------


def _clean_profile(data: dict) -> dict:
    out = {k: data.get(k) for k in PROFILE_FIELDS if k in data}
    for key, value in list(out.items()):
        if isinstance(value, str):
            out[key] = value.strip()
    if out.get("sex") and out["sex"] not in SEXES:
        raise DccError("Unknown sex.")
    if out.get("category", "other") not in CATEGORIES:
        raise DccError("Unknown category.")
    if out.get("province_code") and out["province_code"] not in PROVINCES:
        raise DccError("Unknown province.")
    if "name_km" in out and "name_en" in out and not (out["name_km"] or out["name_en"]):
        raise DccError("Give your name in Khmer or in Latin letters.")
    if "national_id" in out:
        out["national_id"] = normalise_national_id(out["national_id"])
    return out


def normalise_national_id(text: str | None) -> str:
    """Upper case without spaces, as the training plugin stores a trainee's national ID."""
    return (text or "").strip().upper().replace(" ", "")


def register_member(session, *, profile: dict, contact: str, password: str,
                    consents: dict[str, bool], home_center_id: int | None = None,
                    now: datetime | None = None) -> Member:
    """A pending member; the caller sends the confirmation code (:func:`send_code`)."""
    now = now or utcnow()
    if not consents.get("privacy"):
        raise DccError("You must accept the privacy terms to join.")
    if len(password or "") < 10:
        raise DccError("A password needs at least 10 characters.")
    channel, value = normalise_contact(contact)
    if _contact_held(session, channel, value, now):
        raise DccError(CONTACT_REFUSED)
    member = Member(status="pending", home_center_id=home_center_id, token=new_token(),
                    pending_password_hash=generate_password_hash(password), visibility={},
                    created_at=now, **_clean_profile(profile))
    setattr(member, channel, value)
    session.add(member)
    try:
        session.flush()
    except IntegrityError as exc:  # the same contact registered at the same moment
        raise DccError(CONTACT_REFUSED) from exc  # the caller rolls back, as for any refusal
    for kind in CONSENT_KINDS:
        session.add(ConsentRecord(member_id=member.id, kind=kind, given=bool(consents.get(kind)),
                                  terms_version=PRIVACY_TERMS_VERSION, at=now))
    session.flush()
    session.refresh(member)
    return member


def _hash_code(member_id: int, code: str) -> str:
    from flask import current_app

    key = (current_app.config["SECRET_KEY"] or "").encode()
    return hmac.new(key, f"{member_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(session, member: Member, notifier, now: datetime | None = None) -> None:
    """Make a new six-digit code (older ones stop working) and send it to the contact."""
    now = now or utcnow()
    recent = session.execute(
        db.select(db.func.count(ConfirmationCode.id)).where(
            ConfirmationCode.member_id == member.id,
            ConfirmationCode.created_at > now - timedelta(hours=1))
    ).scalar_one()
    if recent >= CODES_PER_HOUR:
        raise DccError("Too many codes were sent; try again in an hour.")
    for old in session.execute(db.select(ConfirmationCode).where(
            ConfirmationCode.member_id == member.id, ConfirmationCode.used_at.is_(None))).scalars():
        old.used_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    channel = "email" if member.email else "phone"
    session.add(ConfirmationCode(member_id=member.id, channel=channel, destination=member.contact,
                                 code_hash=_hash_code(member.id, code), created_at=now,
                                 expires_at=now + CODE_TTL))
    session.flush()
    notifier.send(member.contact, "DCC confirmation code",
                  f"Your Digital Community of Cambodia code is {code}. It expires in 15 minutes.")


def confirm_code(session, member: Member, code: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    row = session.execute(
        db.select(ConfirmationCode).where(ConfirmationCode.member_id == member.id,
                                          ConfirmationCode.used_at.is_(None))
        .order_by(ConfirmationCode.id.desc())
    ).scalars().first()
    if row is None:
        raise DccError("No code is waiting; ask for a new one.")
    if now >= row.expires_at:
        raise DccError("This code has expired; ask for a new one.")
    if row.attempts >= CODE_MAX_ATTEMPTS:
        raise DccError("Too many wrong codes; ask for a new one.")
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _hash_code(member.id, (code or "").strip())):
        session.flush()
        raise DccError("This code is not right.")
    row.used_at = now
    member.contact_confirmed_at = now
    session.flush()


# -- moderation -----------------------------------------------------------------------------


def approve_member(session, member: Member, moderator, now: datetime | None = None) -> User:
    """Approve a confirmed member: they become a core user (no center membership)."""
    now = now or utcnow()
    if member.status != "pending" or member.contact_confirmed_at is None:
        raise DccError("Only a pending member with a confirmed contact can be approved.")
    username = member.contact
    if session.execute(db.select(User.id).where(User.username == username)).first():
        raise DccError("A user with this email address or phone number exists already.")
    user = User(username=username, full_name=member.name_en or member.name_km,
                email=member.email, password_hash=member.pending_password_hash, active=True)
    session.add(user)
    session.flush()
    member.user_id = user.id
    member.pending_password_hash = ""
    member.status = "approved"
    member.moderated_at = now
    member.moderated_by_id = getattr(moderator, "id", None)
    refresh_listed(member)
    audit.record("dcc.member.approve", object_type="dcc_member", object_id=member.id,
                 changes={"user_id": user.id}, session=session)
    session.flush()
    return user


def reject_member(session, member: Member, moderator, reason: str,
                  now: datetime | None = None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DccError("Give the reason for the rejection.")
    if member.status != "pending":
        raise DccError("Only a pending member can be rejected.")
    member.status = "rejected"
    member.rejection_reason = reason
    member.pending_password_hash = ""
    member.moderated_at = now or utcnow()
    member.moderated_by_id = getattr(moderator, "id", None)
    audit.record("dcc.member.reject", object_type="dcc_member", object_id=member.id,
                 changes={"reason": reason}, session=session)
    session.flush()


# -- profile, visibility, consent, skills ----------------------------------------------------


def refresh_listed(member: Member) -> None:
    """``listed``: approved and consenting to the directory (kept as a column for search)."""
    member.listed = member.status == "approved" and member.has_consent("directory")


def update_profile(session, member: Member, profile: dict, visibility: dict) -> None:
    """Save the member's own fields; a changed national ID loses its check (identity.py)."""
    from plugins.dcc.identity import national_id_changed

    before = normalise_national_id(member.national_id)
    for key, value in _clean_profile(profile).items():
        setattr(member, key, value)
    if normalise_national_id(member.national_id) != before:
        national_id_changed(session, member)
    member.visibility = {f: (visibility.get(f) if visibility.get(f) in VISIBILITY_LEVELS
                             else "private") for f in VISIBLE_FIELDS}
    session.flush()


def set_consent(session, member: Member, kind: str, given: bool,
                now: datetime | None = None) -> ConsentRecord:
    if kind not in CONSENT_KINDS:
        raise DccError("Unknown consent.")
    if kind == "privacy" and not given:
        raise DccError("To withdraw consent to the privacy terms, delete your account.")
    now = now or utcnow()
    for old in member.consents:
        if old.kind == kind and old.withdrawn_at is None:
            old.withdrawn_at = now
    record = ConsentRecord(member_id=member.id, kind=kind, given=given,
                           terms_version=PRIVACY_TERMS_VERSION, at=now)
    session.add(record)
    session.flush()
    session.refresh(member)
    refresh_listed(member)
    session.flush()
    return record


def set_skill(session, member: Member, skill: Skill, level: int) -> MemberSkill:
    if not 1 <= int(level) <= 7:
        raise DccError("A skill level goes from 1 to 7.")
    row = next((s for s in member.skills if s.skill_id == skill.id), None)
    if row is None:
        row = MemberSkill(skill_id=skill.id, level=int(level))
        member.skills.append(row)
    row.level = int(level)
    session.flush()
    return row


def remove_skill(session, member: Member, skill_id: int) -> None:
    member.skills = [s for s in member.skills if s.skill_id != skill_id]
    session.flush()


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# -- own data: export and deletion -----------------------------------------------------------


def export_member(member: Member) -> dict:
    """Everything the DCC holds about the member, for the member (JSON-ready)."""
    from plugins.dcc.competition_models import DccCertificate, EntryInvitation, EntryMember
    from plugins.dcc.models import Interest

    def iso(v):
        return v.isoformat() if v else None

    entries = db.session.execute(db.select(EntryMember).where(
        EntryMember.member_id == member.id)).scalars().all()
    interests = db.session.execute(db.select(Interest).where(
        Interest.member_id == member.id)).scalars().all()
    certs = db.session.execute(db.select(DccCertificate).where(
        DccCertificate.member_id == member.id)).scalars().all()
    invitations = db.session.execute(db.select(EntryInvitation).where(db.or_(
        EntryInvitation.member_id == member.id,
        EntryInvitation.contact.in_([c for c in (member.email, member.phone) if c])))
        .order_by(EntryInvitation.id)).scalars().all()
    return {
        "status": member.status,
        "profile": {k: (iso(getattr(member, k)) if k == "date_of_birth" else getattr(member, k))
                    for k in PROFILE_FIELDS},
        "email": member.email, "phone": member.phone,
        "organisation": member.organisation_label,
        "visibility": {f: member.visibility_of(f) for f in VISIBLE_FIELDS},
        "registered_at": iso(member.created_at),
        "contact_confirmed_at": iso(member.contact_confirmed_at),
        "national_id_checked_at": iso(member.national_id_checked_at),
        "consents": [{"kind": c.kind, "given": c.given, "terms_version": c.terms_version,
                      "at": iso(c.at), "withdrawn_at": iso(c.withdrawn_at)}
                     for c in member.consents],
        "skills": [{"code": s.skill.code, "name": s.skill.name_en, "level": s.level}
                   for s in member.skills],
        "verified_credentials": [{"number": c.number, "title": c.title_en,
                                  "issued_on": iso(c.issued_on)} for c in member.credentials],
        "competition_entries": [
            {"competition": em.entry.competition.title_en, "team_name": em.entry.team_name,
             "status": em.entry.status,
             "submissions": [{"kind": s.kind, "url": s.url, "file": s.original_name,
                              "submitted_at": iso(s.submitted_at)} for s in em.entry.submissions]}
            for em in entries],
        "team_invitations": [{"competition": i.entry.competition.title_en,
                              "team_name": i.entry.team_name, "status": i.status,
                              "invited_at": iso(i.created_at),
                              "answered_at": iso(i.answered_at)} for i in invitations],
        "opportunity_interests": [{"opportunity": i.opportunity.title, "at": iso(i.at)}
                                  for i in interests],
        "certificates": [{"number": c.number, "kind": c.kind, "status": c.status,
                          "competition": c.competition.title_en} for c in certs],
    }


def _erase_entry_data(session, member: Member) -> list[str]:
    """Erase what the member's entries hold about them; the stored files' names to remove.

    Submissions of an entry nobody else still stands behind (an individual entry, or a team
    whose other members are deleted too) lose their link, original file name and file; the
    rows stay, with their time and size, so scores, rankings and tie-breaks are unchanged.
    A team's work stays while a team mate remains. Invitations addressed to the member lose
    the contact (pending ones are withdrawn).
    """
    from plugins.dcc.competition_models import Entry, EntryInvitation, EntryMember

    files = []
    entry_ids = session.execute(db.select(EntryMember.entry_id).where(
        EntryMember.member_id == member.id)).scalars().all()
    for entry in session.execute(db.select(Entry).where(Entry.id.in_(entry_ids))).scalars():
        if any(em.member_id != member.id and em.member.status != "deleted"
               for em in entry.members):
            continue
        for sub in entry.submissions:
            if sub.stored_name:
                files.append(sub.stored_name)
            sub.url, sub.original_name, sub.stored_name = "", "", ""
    contacts = [c for c in (member.email, member.phone) if c]
    for inv in session.execute(db.select(EntryInvitation).where(db.or_(
            EntryInvitation.member_id == member.id,
            EntryInvitation.contact.in_(contacts)))).scalars():
        if inv.status == "pending":
            inv.status = "withdrawn"
        inv.contact = ""
    return files


def delete_member(session, member: Member, now: datetime | None = None,
                  instance_path: str | None = None) -> None:
    """Anonymise the member: personal data goes, competition entries stay without a name.

    The core user is deactivated and renamed, consent records are withdrawn (their dates
    stay as the record of what was agreed), certificates keep their number and status but
    lose the holder's name, and their submissions lose links, file names and files
    (:func:`_erase_entry_data`; files live under ``instance_path``, the app's by default,
    and are deleted only when the caller commits: ``core.files.delete_after_commit``).
    """
    from plugins.dcc.competition_models import DccCertificate

    now = now or utcnow()
    files = _erase_entry_data(session, member)
    for key in ("name_km", "name_en", "sex", "province_code", "organisation_name", "job_title",
                "experience", "education", "links", "email", "phone", "national_id",
                "rejection_reason", "pending_password_hash"):
        setattr(member, key, "")
    member.date_of_birth = None
    member.national_id_checked_at = None
    member.national_id_checked_by_id = None
    member.category = "other"
    member.organisation_id = None
    member.visibility = {}
    member.skills = []
    member.credentials = []
    for consent in member.consents:
        if consent.withdrawn_at is None:
            consent.withdrawn_at = now
    member.status = "deleted"
    member.deleted_at = now
    member.listed = False
    session.execute(db.delete(ConfirmationCode).where(ConfirmationCode.member_id == member.id))
    session.execute(db.delete(CredentialNotice).where(CredentialNotice.member_id == member.id))
    for cert in session.execute(db.select(DccCertificate).where(
            DccCertificate.member_id == member.id)).scalars():
        cert.holder_name_en = ""
        cert.holder_name_km = ""
    if member.user_id:
        user = session.get(User, member.user_id)
        if user is not None:
            user.username = f"deleted-{member.id}-{secrets.token_hex(4)}"
            user.full_name = ""
            user.email = ""
            user.active = False
            user.set_password(secrets.token_urlsafe(24))
    audit.record("dcc.member.delete", object_type="dcc_member", object_id=member.id,
                 session=session)
    session.flush()
    if files:  # deleted once the caller commits; kept if the erasure rolls back
        if instance_path is None:
            from flask import current_app

            instance_path = current_app.instance_path
        folder = Path(instance_path) / "dcc_submissions"
        for name in files:
            stored_files.delete_after_commit(session, folder / Path(name).name, root=folder)
