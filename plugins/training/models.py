"""Training records: courses, cohorts, trainees, enrolments, sessions, scores, certificates.

Certificates are legal documents: never deleted. A revocation or a re-issue changes the
status (with a reason or a pointer to the replacement); the rendered PDF is kept so that a
later download is byte-identical to what was first handed out.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.audit import Audited
from core.extensions import db
from core.tenancy import CenterOwned, utcnow

CATEGORIES = ("digital_literacy", "office", "internet", "programming", "repair", "other")
ROOMS = ("computer_lab", "training_room")
COHORT_STATUSES = ("planned", "running", "finished")
SEXES = ("female", "male", "other")
AGE_GROUPS = ("under_15", "15_24", "25_34", "35_44", "45_59", "60_plus")
OCCUPATIONS = ("student", "civil_servant", "private_sector", "farmer", "other")
ENROLMENT_STATUSES = ("enrolled", "waitlisted", "withdrawn")
CERTIFICATE_STATUSES = ("valid", "revoked", "superseded", "expired")
TEMPLATES = ("training/certificate.html", "training/certificate_plain.html")
PAGE_FORMATS = ("a4-landscape",)  # the certificate layout is drawn for A4 landscape


class Course(CenterOwned, Audited, db.Model):
    __tablename__ = "training_course"
    __table_args__ = (sa.UniqueConstraint("center_id", "code"),)
    __audit_exclude__ = ("signature_image", "seal_image")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_km: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    hours: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(sa.String(32), default="digital_literacy")
    # Completion rule: both thresholds are inclusive percentages (0-100).
    min_attendance_pct: Mapped[int] = mapped_column(default=80)
    min_score_pct: Mapped[int] = mapped_column(default=50)
    template: Mapped[str] = mapped_column(sa.String(100), default=TEMPLATES[0])
    page_format: Mapped[str] = mapped_column(sa.String(20), default="a4-landscape")
    validity_months: Mapped[int | None] = mapped_column(nullable=True)
    signatory_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory_title: Mapped[str] = mapped_column(sa.String(200), default="")
    # Images are re-encoded as PNG on upload (see services.clean_image).
    signature_image: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary, nullable=True))
    seal_image: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary, nullable=True))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohorts = relationship("Cohort", back_populates="course", order_by="Cohort.start_date")


class CohortTrainer(CenterOwned, db.Model):
    __tablename__ = "training_cohort_trainer"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cohort.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)

    user = relationship("User", lazy="joined")


class Cohort(CenterOwned, Audited, db.Model):
    __tablename__ = "training_cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_course.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    room: Mapped[str] = mapped_column(sa.String(32), default="computer_lab")
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date] = mapped_column()
    start_time: Mapped[time | None] = mapped_column(nullable=True)
    end_time: Mapped[time | None] = mapped_column(nullable=True)
    capacity: Mapped[int] = mapped_column(default=20)
    status: Mapped[str] = mapped_column(sa.String(16), default="planned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course = relationship("Course", back_populates="cohorts", lazy="joined")
    trainer_links = relationship("CohortTrainer", lazy="selectin", cascade="all, delete-orphan")

    @property
    def trainers(self):
        return [link.user for link in self.trainer_links]


class Trainee(CenterOwned, Audited, db.Model):
    __tablename__ = "training_trainee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    sex: Mapped[str] = mapped_column(sa.String(8))
    date_of_birth: Mapped[date | None] = mapped_column(nullable=True)
    age_group: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    phone: Mapped[str] = mapped_column(sa.String(20), default="", index=True)  # E.164
    national_id: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    occupation: Mapped[str] = mapped_column(sa.String(32), default="other")
    school: Mapped[str] = mapped_column(sa.String(200), default="")
    grade: Mapped[str] = mapped_column(sa.String(32), default="")
    # A merged duplicate is kept (history) but points at the record that absorbed it.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_trainee.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        if self.name_km and self.name_en:
            return f"{self.name_en} ({self.name_km})"
        return self.name_en or self.name_km


class Enrolment(CenterOwned, Audited, db.Model):
    __tablename__ = "training_enrolment"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cohort.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("training_trainee.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="enrolled")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort = relationship("Cohort", lazy="joined")
    trainee = relationship("Trainee", lazy="joined")


class ClassSession(CenterOwned, db.Model):
    """One day of a cohort; attendance is ticked per session."""

    __tablename__ = "training_session"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cohort.id"), index=True)
    day: Mapped[date] = mapped_column()
    topic: Mapped[str] = mapped_column(sa.String(200), default="")


class Attendance(CenterOwned, db.Model):
    __tablename__ = "training_attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("training_enrolment.id"), index=True)
    present: Mapped[bool] = mapped_column(default=False)


class Assessment(CenterOwned, Audited, db.Model):
    __tablename__ = "training_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cohort.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    max_score: Mapped[int] = mapped_column(default=100)
    weight: Mapped[int] = mapped_column(default=1)
    held_on: Mapped[date | None] = mapped_column(nullable=True)


class Score(CenterOwned, Audited, db.Model):
    __tablename__ = "training_score"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("training_assessment.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("training_enrolment.id"), index=True)
    points: Mapped[int] = mapped_column(default=0)


class Certificate(CenterOwned, Audited, db.Model):
    __tablename__ = "training_certificate"
    __audit_exclude__ = ("pdf",)
    __table_args__ = (
        sa.UniqueConstraint("center_id", "number"),
        # At most one valid certificate per trainee, course and cohort, whoever issues it.
        sa.Index(
            "uq_training_certificate_one_valid", "trainee_id", "course_id", "cohort_id",
            unique=True,
            postgresql_where=sa.text("status = 'valid'"),
            sqlite_where=sa.text("status = 'valid'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("training_trainee.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("training_course.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cohort.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="valid")
    # What the certificate says, frozen at issue (a later name correction needs a re-issue).
    holder_name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    holder_name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_on: Mapped[date] = mapped_column()
    valid_until: Mapped[date | None] = mapped_column(nullable=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    revoked_reason: Mapped[str] = mapped_column(sa.Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    superseded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_certificate.id"), nullable=True)
    batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_certificate_batch.id"), nullable=True, index=True)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary, nullable=True))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), default="")

    trainee = relationship("Trainee", lazy="joined")
    course = relationship("Course", lazy="joined")
    cohort = relationship("Cohort", lazy="joined")
    superseded_by = relationship("Certificate", remote_side=[id], lazy="joined")

    def effective_status(self, today: date | None = None) -> str:
        today = today or date.today()
        if self.status == "valid" and self.valid_until is not None and self.valid_until < today:
            return "expired"
        return self.status


class CertificateBatch(CenterOwned, db.Model):
    """One bulk issue of a cohort: the combined PDF, kept for download."""

    __tablename__ = "training_certificate_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("training_cohort.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # pending/done/failed
    count: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[int | None] = mapped_column(nullable=True)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"enrolment_id", "name", "reason"}]: who the issue skipped, and why.
    skipped: Mapped[list] = mapped_column(sa.JSON, default=list)
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary, nullable=True))

    cohort = relationship("Cohort", lazy="joined")


MODELS = [Course, CohortTrainer, Cohort, Trainee, Enrolment, ClassSession, Attendance,
          Assessment, Score, CertificateBatch, Certificate]
