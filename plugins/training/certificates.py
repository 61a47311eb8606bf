"""Certificates: issue (one or a cohort in bulk), revoke, re-issue, verify.

The database guarantees at most one valid certificate per trainee, course and cohort (a
partial unique index), so two trainers issuing at the same moment, or a bulk issue run
twice, still give one certificate: the loser's insert fails inside a savepoint and it
returns the winner's certificate. Numbers come from core.sequences inside the same
savepoint, so a lost race gives its number back.

``ctc_certificate_issued`` must fire after the commit, so the issuing functions return what
they issued and the caller commits, then calls :func:`announce`.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from core import sequences
from core.plugins import hooks_for, plugin_enabled
from core.tenancy import utcnow
from core.verification import Verification, new_code
from plugins.training.models import Certificate, CertificateBatch, Cohort, Enrolment, Trainee
from plugins.training.services import TrainingError, cohort_completion, roster

log = logging.getLogger(__name__)

SERIES = "training.certificate"
PATTERN = "{center}-CRT-{year}-{n:05d}"
KIND_EN = "Training certificate"
KIND_KM = "វិញ្ញាបនបត្របណ្តុះបណ្តាល"


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_certificate(session, trainee_id: int, cohort: Cohort) -> Certificate | None:
    return session.execute(sa.select(Certificate).where(
        Certificate.trainee_id == trainee_id, Certificate.course_id == cohort.course_id,
        Certificate.cohort_id == cohort.id, Certificate.status == "valid")).scalar_one_or_none()


def _insert(session, center, enrolment: Enrolment, *, user_id, issued_on: date,
            batch_id=None, trainee: Trainee | None = None) -> tuple[Certificate, bool]:
    """Insert one valid certificate; (certificate, True) or (the existing one, False)."""
    cohort, trainee = enrolment.cohort, trainee or enrolment.trainee
    course = cohort.course
    try:
        with session.begin_nested():
            cert = Certificate(
                center_id=center.id, trainee_id=trainee.id, course_id=course.id,
                cohort_id=cohort.id, status="valid",
                number=sequences.allocate(session, center, SERIES, pattern=PATTERN, on=issued_on),
                code=new_code(), holder_name_km=trainee.name_km, holder_name_en=trainee.name_en,
                issued_on=issued_on, issued_by_id=user_id, batch_id=batch_id,
                valid_until=(add_months(issued_on, course.validity_months)
                             if course.validity_months else None),
            )
            session.add(cert)
            session.flush()
        return cert, True
    except sa.exc.IntegrityError:
        existing = valid_certificate(session, trainee.id, cohort)
        if existing is None:
            raise
        return existing, False


def trainer_problem(cohort: Cohort) -> str | None:
    """Why certificates of ``cohort`` cannot be issued yet: they name the trainer(s), so a
    cohort without a trainer would print an empty trainer box. None when all is well."""
    if not cohort.trainers:
        return _("This cohort has no trainer. The certificates name the trainer: assign one "
                 "to the cohort (Edit cohort) before issuing.")
    return None


class NoTrainer(TrainingError):
    """The cohort has no trainer, so its certificates cannot be issued (they name the trainer)."""


def require_trainer(cohort: Cohort) -> None:
    """Refuse (:class:`NoTrainer`, a ``TrainingError``) to issue for a cohort without a
    trainer. Every issuing service calls it; a screen may call it before queueing a job."""
    problem = trainer_problem(cohort)
    if problem:
        raise NoTrainer(problem)


def issue_one(session, center, enrolment: Enrolment, *, user_id=None,
              issued_on: date | None = None, render: bool = True,
              base_url: str | None = None) -> tuple[Certificate, bool]:
    """Issue the certificate of one enrolment if the trainee completed the course.

    Returns (certificate, created). Refuses (TrainingError) when the rule is not met, and
    (:class:`NoTrainer`) when the cohort has no trainer.
    """
    require_trainer(enrolment.cohort)
    if enrolment.status != "enrolled":
        raise TrainingError(_("Only enrolled trainees can receive a certificate."))
    existing = valid_certificate(session, enrolment.trainee_id, enrolment.cohort)
    if existing is not None:
        return existing, False
    result = cohort_completion(session, enrolment.cohort).get(enrolment.id)
    if result is None or not result.completed:
        reasons = "; ".join(result.reasons) if result else ""
        raise TrainingError(_("Not completed: %(reasons)s", reasons=reasons))
    cert, created = _insert(session, center, enrolment, user_id=user_id,
                            issued_on=issued_on or sequences.center_date(center))
    if created and render:
        from plugins.training.rendering import store_single_pdfs

        store_single_pdfs(session, [cert], base_url=base_url)
    return cert, created


@dataclass
class PreviewRow:
    enrolment: Enrolment
    action: str  # "issue" or "skip"
    reason: str = ""
    existing: Certificate | None = None
    attendance_pct: object = None
    score_pct: object = None


def preview(session, cohort: Cohort) -> list[PreviewRow]:
    """Who a bulk issue would reach, and why the others are skipped."""
    results = cohort_completion(session, cohort)
    valid = {c.trainee_id: c for c in session.execute(sa.select(Certificate).where(
        Certificate.cohort_id == cohort.id, Certificate.status == "valid")).scalars()}
    rows = []
    for enrolment in roster(session, cohort, statuses=("enrolled", "waitlisted")):
        if enrolment.status != "enrolled":
            rows.append(PreviewRow(enrolment, "skip", _("on the waitlist")))
            continue
        done = results[enrolment.id]
        existing = valid.get(enrolment.trainee_id)
        if existing is not None:
            row = PreviewRow(enrolment, "skip", _("already holds certificate %(number)s",
                                                  number=existing.number), existing)
        elif not done.completed:
            row = PreviewRow(enrolment, "skip", _("not completed: %(reasons)s",
                                                  reasons="; ".join(done.reasons)))
        else:
            row = PreviewRow(enrolment, "issue")
        row.attendance_pct, row.score_pct = done.attendance_pct, done.score_pct
        rows.append(row)
    return rows


@dataclass
class BulkResult:
    issued: list[Certificate] = field(default_factory=list)
    skipped: list[tuple[Enrolment, str]] = field(default_factory=list)
    batch: CertificateBatch | None = None


def bulk_issue(session, center, cohort: Cohort, *, user_id=None, issued_on: date | None = None,
               batch: CertificateBatch | None = None, progress=None) -> BulkResult:
    """Issue to every enrolled trainee who completed and holds no valid certificate yet.

    Safe to repeat: the second run skips everyone with "already holds certificate ...".
    Does not render; see rendering.render_batch_for. Refuses (:class:`NoTrainer`) a cohort
    without a trainer, before anything is written.
    """
    require_trainer(cohort)
    issued_on = issued_on or sequences.center_date(center)
    result = BulkResult(batch=batch)
    if batch is None:
        batch = result.batch = CertificateBatch(center_id=center.id, cohort_id=cohort.id,
                                                created_by_id=user_id)
        session.add(batch)
        session.flush()
    rows = preview(session, cohort)
    todo = [r for r in rows if r.action == "issue"]
    for row in rows:
        if row.action == "skip":
            result.skipped.append((row.enrolment, row.reason))
    for i, row in enumerate(todo, start=1):
        cert, created = _insert(session, center, row.enrolment, user_id=user_id,
                                issued_on=issued_on, batch_id=batch.id)
        if created:
            result.issued.append(cert)
        else:
            result.skipped.append((row.enrolment, _("already holds certificate %(number)s",
                                                    number=cert.number)))
        if progress is not None:
            progress(i, len(todo))
    batch.count = len(result.issued)
    batch.skipped = [{"enrolment_id": e.id, "name": e.trainee.display_name, "reason": str(r)}
                     for e, r in result.skipped]
    session.flush()
    return result


def revoke(session, cert: Certificate, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise TrainingError(_("Give the reason for the revocation."))
    if cert.status != "valid":
        raise TrainingError(_("Only a valid certificate can be revoked."))
    cert.status, cert.revoked_reason, cert.revoked_at = "revoked", reason, utcnow()
    session.flush()
    return cert


def reissue(session, center, cert: Certificate, *, user_id=None,
            base_url: str | None = None, render: bool = True) -> Certificate:
    """Replace a valid certificate (e.g. after a name correction): the new one carries the
    trainee's current names; the old one becomes "superseded by <new number>"."""
    if cert.status != "valid":
        raise TrainingError(_("Only a valid certificate can be re-issued."))
    require_trainer(cert.cohort)
    cert.status = "superseded"
    session.flush()  # free the one-valid slot before the replacement takes it
    enrolment = session.execute(sa.select(Enrolment).where(
        Enrolment.cohort_id == cert.cohort_id, Enrolment.trainee_id == cert.trainee_id)
    ).scalar_one()
    new, created = _insert(session, center, enrolment, user_id=user_id,
                           issued_on=sequences.center_date(center))
    if not created:  # someone else re-issued at the same moment
        raise TrainingError(_("This certificate was re-issued meanwhile as %(number)s.",
                              number=new.number))
    cert.superseded_by_id = new.id
    session.flush()
    if render:
        from plugins.training.rendering import store_single_pdfs

        store_single_pdfs(session, [new], base_url=base_url)
    return new


def batch_certificates(session, batch: CertificateBatch) -> list[Certificate]:
    """The certificates of a bulk issue, loaded in one query (after a commit expired them)."""
    return list(session.execute(sa.select(Certificate).where(
        Certificate.batch_id == batch.id).order_by(Certificate.id)).scalars())


def as_hook_dict(cert: Certificate) -> dict:
    trainee, course = cert.trainee, cert.course
    return {
        "number": cert.number, "code": cert.code,
        "holder_name_km": cert.holder_name_km, "holder_name_en": cert.holder_name_en,
        "phone": trainee.phone, "national_id": trainee.national_id,
        "course_code": course.code, "course_title_en": course.title_en,
        "course_title_km": course.title_km, "hours": course.hours,
        "issued_on": cert.issued_on,
    }


def announce(center, certs) -> None:
    """Fire ``ctc_certificate_issued`` for committed certificates (plugins enabled here)."""
    hook = hooks_for(center).ctc_certificate_issued
    for cert in certs:
        try:
            hook(certificate=as_hook_dict(cert), center=center)
        except Exception:  # another plugin's failure must not undo an issued certificate
            log.exception("ctc_certificate_issued failed for %s", cert.number)


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- public verification ----------------------------------------------------------------


def verify_code(code: str) -> Verification | None:
    from core.extensions import db

    cert = db.session.execute(
        sa.select(Certificate).where(Certificate.code == code)).scalar_one_or_none()
    if cert is None or not plugin_enabled("training", cert.center):
        return None
    course, center = cert.course, cert.center
    return Verification(
        status=cert.effective_status(sequences.center_date(center)),
        kind_en=KIND_EN, kind_km=KIND_KM,
        holder_name_km=cert.holder_name_km, holder_name_en=cert.holder_name_en,
        title_en=course.title_en, title_km=course.title_km,
        center_name_en=center.name_en, center_name_km=center.name_km,
        issued_on=cert.issued_on, number=cert.number,
        reason=cert.revoked_reason if cert.status == "revoked" else "",
        superseded_by=cert.superseded_by.number if cert.superseded_by else "",
        valid_until=cert.valid_until,
    )


# -- background bulk issue ----------------------------------------------------------------

def run_batch_job(job, *, batch_id: int, base_url: str = "", **_params):
    """Job ``training.bulk_issue``: issue, commit, announce, then render the PDFs."""
    from core.extensions import db
    from core.jobs import JobFailed
    from plugins.training.rendering import render_batch_for

    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status == "done":
        return
    center = batch.center
    batch.job_id = job.id
    if not plugin_enabled("training", center):
        batch.status, batch.error = "failed", "training is switched off for this center"
        db.session.commit()
        return
    try:
        result = bulk_issue(db.session, center, batch.cohort, user_id=batch.created_by_id,
                            batch=batch,
                            progress=lambda d, t: job.progress(d, t * 2, "issuing"))
        db.session.commit()
        certs = batch_certificates(db.session, batch)
        announce(center, [c for c in certs if c in result.issued])
        render_batch_for(db.session, batch, certs, base_url=base_url,
                         progress=lambda d, t: job.progress(t + d, t * 2, "rendering"))
        batch.status = "done"
        db.session.commit()
        job.set_result(download_url=job.url_for("training.batch", batch_id=batch.id),
                       issued=batch.count)
    except TrainingError as exc:  # refused by the rules (e.g. no trainer): the message
        db.session.rollback()     # is for the user, no traceback
        batch = db.session.get(CertificateBatch, batch_id)
        batch.status, batch.error = "failed", str(exc)[:500]
        db.session.commit()
        raise JobFailed(str(exc)) from None
    except Exception as exc:
        db.session.rollback()
        batch = db.session.get(CertificateBatch, batch_id)
        batch.status, batch.error = "failed", str(exc)[:500]
        db.session.commit()
        raise
