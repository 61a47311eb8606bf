"""Competitions: rules, eligibility, windows, entries, submissions, rubric, judging, results.

A competition belongs to one center (``center_id``) or is national (``center_id`` NULL, run
by deployers). Windows are naive UTC datetimes, half-open: open from ``*_opens_at``
inclusive to ``*_closes_at`` exclusive, by the server's clock.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.audit import Audited
from core.extensions import db
from core.tenancy import utcnow
from core.verification import new_code

COMPETITION_STATUSES = ("draft", "open", "frozen", "published")


class CompetitionPart:
    """Mixin: a row of a competition carries the competition's ``center_id`` (NULL for a
    national one), copied when the row is made, so center-scoped checks (and the generic
    cross-center test) see whose row it is without a join."""

    @declared_attr
    def center_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr gets the class
        return mapped_column(sa.ForeignKey("center.id"), nullable=True, index=True)
AGGREGATIONS = ("mean", "zscore")


class Competition(Audited, db.Model):
    __tablename__ = "dcc_competition"

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("center.id"), nullable=True, index=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_km: Mapped[str] = mapped_column(sa.String(200), default="")
    rules: Mapped[str] = mapped_column(sa.Text, default="")
    eligible_categories: Mapped[list] = mapped_column(sa.JSON, default=list)  # empty: all
    eligible_provinces: Mapped[list] = mapped_column(sa.JSON, default=list)  # empty: all
    min_age: Mapped[int | None] = mapped_column(nullable=True)
    max_age: Mapped[int | None] = mapped_column(nullable=True)
    team_entries: Mapped[bool] = mapped_column(default=False)
    team_min: Mapped[int] = mapped_column(default=1)
    team_max: Mapped[int] = mapped_column(default=1)
    registration_opens_at: Mapped[datetime] = mapped_column()
    registration_closes_at: Mapped[datetime] = mapped_column()
    submission_opens_at: Mapped[datetime] = mapped_column()
    submission_closes_at: Mapped[datetime] = mapped_column()
    allow_file: Mapped[bool] = mapped_column(default=True)
    allow_link: Mapped[bool] = mapped_column(default=True)
    file_types: Mapped[str] = mapped_column(sa.String(200), default="pdf,zip,png,jpg")
    max_file_kb: Mapped[int] = mapped_column(default=5 * 1024)
    blind_judging: Mapped[bool] = mapped_column(default=False)
    aggregation: Mapped[str] = mapped_column(sa.String(8), default="mean")
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", index=True)
    frozen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    center = relationship("Center", lazy="joined")
    criteria = relationship("Criterion", back_populates="competition", lazy="selectin",
                            order_by="Criterion.position, Criterion.id")
    prizes = relationship("Prize", back_populates="competition", lazy="selectin",
                          order_by="Prize.rank")
    judges = relationship("CompetitionJudge", back_populates="competition", lazy="selectin")

    @property
    def national(self) -> bool:
        return self.center_id is None

    def title(self, locale: str = "en") -> str:
        return (self.title_km or self.title_en) if locale.startswith("km") else self.title_en


class Criterion(CompetitionPart, Audited, db.Model):
    __tablename__ = "dcc_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    weight: Mapped[int] = mapped_column(default=1)
    min_score: Mapped[int] = mapped_column(default=0)
    max_score: Mapped[int] = mapped_column(default=10)

    competition = relationship("Competition", back_populates="criteria")


class Prize(CompetitionPart, Audited, db.Model):
    __tablename__ = "dcc_prize"
    __table_args__ = (sa.UniqueConstraint("competition_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    rank: Mapped[int] = mapped_column()
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_km: Mapped[str] = mapped_column(sa.String(200), default="")
    amount_minor: Mapped[int] = mapped_column(default=0)  # integer minor units
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")

    competition = relationship("Competition", back_populates="prizes")


class CompetitionJudge(CompetitionPart, Audited, db.Model):
    """A judge on the competition's panel, with the organisation they belong to: a verified
    organisation of the registry (``organisation_id``), a name typed for one that is not
    registered, or both; the conflict check compares them with the entrants' (``competitions``)."""

    __tablename__ = "dcc_competition_judge"
    __table_args__ = (sa.UniqueConstraint("competition_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dcc_organisation.id"), nullable=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(200), default="")

    competition = relationship("Competition", back_populates="judges")
    user = relationship("User", lazy="joined")
    organisation = relationship("Organisation", lazy="joined")


class Entry(CompetitionPart, Audited, db.Model):
    __tablename__ = "dcc_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    lead_member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    team_name: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="active")  # | disqualified
    disqualified_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    competition = relationship("Competition", lazy="joined")
    lead = relationship("Member", lazy="joined")
    members = relationship("EntryMember", back_populates="entry", lazy="selectin")
    submissions = relationship("Submission", back_populates="entry", lazy="selectin",
                               order_by="Submission.id")
    invitations = relationship("EntryInvitation", back_populates="entry", lazy="selectin",
                               order_by="EntryInvitation.id")

    @property
    def final_submission(self):
        return self.submissions[-1] if self.submissions else None


class EntryMember(CompetitionPart, db.Model):
    __tablename__ = "dcc_entry_member"
    __table_args__ = (sa.UniqueConstraint("competition_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_entry.id"), index=True)
    # Repeated here so one member can hold only one entry per competition.
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)

    entry = relationship("Entry", back_populates="members")
    member = relationship("Member", lazy="joined")


INVITATION_STATUSES = ("pending", "accepted", "declined", "withdrawn")


class EntryInvitation(CompetitionPart, db.Model):
    """A team mate the lead invited by email or phone (``contact``, normalised as at
    registration). The member holding that contact accepts or declines on their own pages;
    only an accepted invitation makes them a team member (an ``EntryMember``). The lead sees
    "invited" until then, whoever the contact belongs to.

    Not ``Audited``: the contact is personal data that deleting a member must erase.
    """

    __tablename__ = "dcc_entry_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_entry.id"), index=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    contact: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    # Who answered (accepted or declined); NULL while pending.
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dcc_member.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)

    entry = relationship("Entry", back_populates="invitations")


class Submission(CompetitionPart, Audited, db.Model):
    """A file (stored under the instance folder with a random name) or a link."""

    __tablename__ = "dcc_submission"
    # A link or a file name can name its author: kept out of the audit trail, so that
    # deleting the member can erase them (members.delete_member).
    __audit_exclude__ = ("url", "original_name")

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_entry.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # file | link
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    stored_name: Mapped[str] = mapped_column(sa.String(80), default="")
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry = relationship("Entry", back_populates="submissions")

    @property
    def erased(self) -> bool:
        """The entrant deleted their data: the link or file is gone, the row stays."""
        return not (self.url or self.stored_name)


class JudgeAssignment(CompetitionPart, Audited, db.Model):
    """A judge assigned to an entry; recused automatically or by their own declaration."""

    __tablename__ = "dcc_judge_assignment"
    __table_args__ = (sa.UniqueConstraint("entry_id", "judge_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_entry.id"), index=True)
    judge_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    recused: Mapped[bool] = mapped_column(default=False)
    recusal_reason: Mapped[str] = mapped_column(sa.Text, default="")
    recused_automatically: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)

    entry = relationship("Entry", lazy="joined")
    judge = relationship("User", lazy="joined")
    scores = relationship("plugins.dcc.competition_models.Score", back_populates="assignment", lazy="selectin")


class Score(CompetitionPart, Audited, db.Model):
    __tablename__ = "dcc_score"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_judge_assignment.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_criterion.id"), index=True)
    value: Mapped[int] = mapped_column()

    assignment = relationship("JudgeAssignment", back_populates="scores")


class ResultRow(CompetitionPart, Audited, db.Model):
    """The frozen ranking: one row per ranked entry, rank recomputed on disqualification."""

    __tablename__ = "dcc_result"
    __table_args__ = (sa.UniqueConstraint("competition_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_entry.id"), index=True)
    position: Mapped[int] = mapped_column()  # order of the frozen ranking, never changes
    rank: Mapped[int | None] = mapped_column(nullable=True)  # None once disqualified
    score: Mapped[str] = mapped_column(sa.String(32))  # printed as computed, e.g. "83.250000"
    prize_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dcc_prize.id"), nullable=True)

    entry = relationship("Entry", lazy="joined")
    prize = relationship("Prize", lazy="joined")


class DccCertificate(CompetitionPart, Audited, db.Model):
    """An award or participation certificate; verified through core's /verify/<code>."""

    __tablename__ = "dcc_certificate"
    # Names stay out of the audit trail: deleting a member must be able to erase them.
    __audit_exclude__ = ("holder_name_en", "holder_name_km")

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_competition.id"), index=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_entry.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("dcc_member.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # award | participation
    number: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_code)
    holder_name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    holder_name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    rank: Mapped[int | None] = mapped_column(nullable=True)
    prize_title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    prize_title_km: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="valid")  # | revoked
    revoked_reason: Mapped[str] = mapped_column(sa.Text, default="")

    competition = relationship("Competition", lazy="joined")
    member = relationship("Member", lazy="joined")
    entry = relationship("Entry")


ALL_MODELS = [
    Competition, Criterion, Prize, CompetitionJudge, Entry, EntryMember, EntryInvitation,
    Submission, JudgeAssignment, Score, ResultRow, DccCertificate,
]
