"""The national registry: members, consents, skills, organisations and opportunities.

The registry is national: members and organisations carry no ``center_id``; a nullable
``home_center_id`` says which center's moderators look after them (none: the deployers).
Competitions live in :mod:`plugins.dcc.competition_models`.

Members are deliberately NOT ``Audited``: the automatic history copies every column, and
a deleted member's name and birth date must not survive in the audit trail. Services record
events (approve, reject, delete) with :func:`core.audit.record` and no personal values.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.tenancy import utcnow

CATEGORIES = ("civil_servant", "private_employee", "student", "academic", "other")
SEXES = ("female", "male", "other")
# "expired": a pending registration left unfinished for CTC_DCC_PENDING_DAYS, expired when
# someone registers its contact again (members.register_member).
MEMBER_STATUSES = ("pending", "approved", "rejected", "expired", "deleted")
# The statuses that hold their email address or phone number: at most one member each
# (a partial unique index per contact; rejected, expired and deleted records let go).
CONTACT_HOLDING_STATUSES = ("pending", "approved")
VISIBILITY_LEVELS = ("public", "members", "private")
# Fields whose visibility the member chooses; everything is private until they say otherwise.
VISIBLE_FIELDS = (
    "name_km", "name_en", "sex", "date_of_birth", "province_code", "category",
    "organisation", "job_title", "experience", "education", "links", "email", "phone",
    "skills", "credentials",
)
CONSENT_KINDS = ("privacy", "directory", "credentials")
PRIVACY_TERMS_VERSION = "2026-11"


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _one_holder_per(column: str) -> sa.Index:
    """Unique ``column`` among the members that hold their contact (empty values aside)."""
    where = sa.text(f"status IN ('pending', 'approved') AND {column} <> ''")
    return sa.Index(f"uq_dcc_member_{column}_held", column, unique=True,
                    sqlite_where=where, postgresql_where=where)


def _one_checked_national_id() -> sa.Index:
    """A national ID checked against an ID card belongs to one member (identity.py)."""
    where = sa.text("national_id_checked_at IS NOT NULL")
    return sa.Index("uq_dcc_member_national_id_checked", "national_id", unique=True,
                    sqlite_where=where, postgresql_where=where)


class Member(db.Model):
    __tablename__ = "dcc_member"
    __table_args__ = (_one_holder_per("email"), _one_holder_per("phone"),
                      _one_checked_national_id())

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_token)
    home_center_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("center.id"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    # Approved and consenting to the directory; kept by services.refresh_listed for search.
    listed: Mapped[bool] = mapped_column(default=False, index=True)
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    sex: Mapped[str] = mapped_column(sa.String(8), default="")
    date_of_birth: Mapped[date | None] = mapped_column(nullable=True)
    province_code: Mapped[str] = mapped_column(sa.String(2), default="", index=True)
    category: Mapped[str] = mapped_column(sa.String(24), default="other", index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dcc_organisation.id"), nullable=True, index=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(200), default="")
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    experience: Mapped[str] = mapped_column(sa.Text, default="")
    education: Mapped[str] = mapped_column(sa.Text, default="")
    links: Mapped[str] = mapped_column(sa.Text, default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    phone: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    national_id: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    # When and by whom a moderator compared ``national_id`` with the member's ID card; only a
    # checked national ID matches training certificates. Changing the number clears both.
    national_id_checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    national_id_checked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    visibility: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Held only between registration and approval; the core user gets it, then it is wiped.
    pending_password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    contact_confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)

    organisation = relationship("Organisation", foreign_keys=[organisation_id], lazy="joined")
    skills = relationship("MemberSkill", back_populates="member", lazy="selectin",
                          cascade="all, delete-orphan")
    consents = relationship("ConsentRecord", back_populates="member", lazy="selectin",
                            order_by="ConsentRecord.id")
    credentials = relationship("VerifiedCredential", back_populates="member",
                               lazy="selectin", cascade="all, delete-orphan")

    @property
    def contact(self) -> str:
        return self.email or self.phone

    @property
    def organisation_label(self) -> str:
        org = self.organisation
        if org is None and self.organisation_id:  # set by id, relationship not refreshed
            org = db.session.get(Organisation, self.organisation_id)
        if org is not None:
            return org.name_en or org.name_km
        return self.organisation_name

    def visibility_of(self, field: str) -> str:
        level = (self.visibility or {}).get(field, "private")
        return level if level in VISIBILITY_LEVELS else "private"

    def has_consent(self, kind: str) -> bool:
        latest = [c for c in self.consents if c.kind == kind]
        return bool(latest) and latest[-1].withdrawn_at is None and latest[-1].given

    def display_name(self, locale: str = "en") -> str:
        if self.status == "deleted":
            return ""
        return (self.name_km or self.name_en) if locale.startswith("km") else (
            self.name_en or self.name_km)


class ConsentRecord(db.Model):
    """One decision of the member: given or refused, for a version of the terms, at a time."""

    __tablename__ = "dcc_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    given: Mapped[bool] = mapped_column(default=True)
    terms_version: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)

    member = relationship("Member", back_populates="consents")


class ConfirmationCode(db.Model):
    """A code sent to the member's email or phone; only its hash is kept."""

    __tablename__ = "dcc_confirmation_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(8))  # email | phone
    destination: Mapped[str] = mapped_column(sa.String(200))
    code_hash: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Skill(db.Model):
    __tablename__ = "dcc_skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    group_en: Mapped[str] = mapped_column(sa.String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)


class MemberSkill(db.Model):
    """A skill at a level from 1 (follow) to 7 (set strategy), as SFIA counts them."""

    __tablename__ = "dcc_member_skill"
    __table_args__ = (sa.UniqueConstraint("member_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_skill.id"), index=True)
    level: Mapped[int] = mapped_column()

    member = relationship("Member", back_populates="skills")
    skill = relationship("Skill", lazy="joined")


class VerifiedCredential(db.Model):
    """A certificate another plugin issued and announced (``ctc_certificate_issued``)."""

    __tablename__ = "dcc_verified_credential"
    __table_args__ = (sa.UniqueConstraint("member_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    source_center_id: Mapped[int | None] = mapped_column(sa.ForeignKey("center.id"), nullable=True)
    number: Mapped[str] = mapped_column(sa.String(64), default="")
    code: Mapped[str] = mapped_column(sa.String(40))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    title_km: Mapped[str] = mapped_column(sa.String(300), default="")
    course_code: Mapped[str] = mapped_column(sa.String(64), default="")
    hours: Mapped[int | None] = mapped_column(nullable=True)
    issued_on: Mapped[date | None] = mapped_column(nullable=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    member = relationship("Member", back_populates="credentials")


class CredentialNotice(db.Model):
    """A certificate announced for a national ID a member typed and nobody has checked yet.

    Kept so that the certificate becomes a :class:`VerifiedCredential` when a moderator
    checks the member's ID card (the issuer offers no way to ask for it again). Never shown
    to the member: the typed number may be someone else's. Deleted once the ID is checked,
    changed, or the member deleted.
    """

    __tablename__ = "dcc_credential_notice"
    __table_args__ = (sa.UniqueConstraint("member_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    national_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    source_center_id: Mapped[int | None] = mapped_column(sa.ForeignKey("center.id"), nullable=True)
    number: Mapped[str] = mapped_column(sa.String(64), default="")
    code: Mapped[str] = mapped_column(sa.String(40))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    title_km: Mapped[str] = mapped_column(sa.String(300), default="")
    course_code: Mapped[str] = mapped_column(sa.String(64), default="")
    hours: Mapped[int | None] = mapped_column(nullable=True)
    issued_on: Mapped[date | None] = mapped_column(nullable=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Organisation(db.Model):
    """A company or institution; it may post opportunities once a moderator verified it."""

    __tablename__ = "dcc_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    home_center_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("center.id"), nullable=True, index=True)
    # The member who registered it (no foreign key: members already point at organisations).
    owner_member_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(24), default="company")
    province_code: Mapped[str] = mapped_column(sa.String(2), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def verified(self) -> bool:
        return self.status == "verified"


OPPORTUNITY_KINDS = ("job", "internship", "training")


class Opportunity(db.Model):
    __tablename__ = "dcc_opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="job")
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    province_code: Mapped[str] = mapped_column(sa.String(2), default="")
    expires_on: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation", lazy="joined")
    interests = relationship("Interest", back_populates="opportunity", lazy="selectin")


class Interest(db.Model):
    __tablename__ = "dcc_interest"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_opportunity.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    opportunity = relationship("Opportunity", back_populates="interests")
    member = relationship("Member", lazy="joined")
