"""Certificate screens: bulk issue with preview, batches, single issue, revoke, re-issue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import permission_required
from core.downloads import pdf_response, zip_response
from core.extensions import db
from core.tenancy import get_or_404, require_center, scoped
from plugins.training import certificates, rendering
from plugins.training.forms import ConfirmForm, RevokeForm
from plugins.training.models import Certificate, CertificateBatch, Cohort, Enrolment
from plugins.training.services import TrainingError
from plugins.training.views import bp

#: Bulk issues of more certificates than this run as background jobs
#: (config ``CTC_TRAINING_JOB_THRESHOLD``).
JOB_THRESHOLD = 20


@bp.route("/cohorts/<int:cohort_id>/issue", methods=["GET", "POST"])
@permission_required("training.issue")
def issue(cohort_id: int):
    center = require_center()
    cohort = get_or_404(Cohort, cohort_id)
    rows = certificates.preview(db.session, cohort)
    todo = [r for r in rows if r.action == "issue"]
    form = ConfirmForm()
    threshold = int(current_app.config.get("CTC_TRAINING_JOB_THRESHOLD", JOB_THRESHOLD))
    problem = certificates.trainer_problem(cohort)  # shown instead of the issue button
    if form.validate_on_submit() and (todo or problem):
        if len(todo) > threshold:
            from core.jobs import JobError, enqueue

            try:
                certificates.require_trainer(cohort)  # refuse now, not later in the job
                batch = CertificateBatch(center_id=center.id, cohort_id=cohort.id,
                                         created_by_id=current_user.id)
                db.session.add(batch)
                db.session.flush()
                job = enqueue("training.bulk_issue", center=center, user=current_user,
                              batch_id=batch.id, base_url=request.url_root)
            except (JobError, TrainingError) as exc:
                db.session.rollback()
                flash(str(exc), "danger")
                return redirect(url_for("training.issue", cohort_id=cohort.id))
            return redirect(url_for("jobs.show", job_id=job.id))
        try:
            result = certificates.bulk_issue(db.session, center, cohort,
                                             user_id=current_user.id)
        except TrainingError as exc:  # e.g. the cohort has no trainer
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("training.issue", cohort_id=cohort.id))
        db.session.commit()
        batch = result.batch
        issued = certificates.batch_certificates(db.session, batch)
        certificates.announce(center, issued)
        rendering.render_batch_for(db.session, batch, issued)
        batch.status = "done"
        db.session.commit()
        flash(_("%(n)d certificates issued.", n=len(result.issued)), "success")
        return redirect(url_for("training.batch", batch_id=batch.id))
    batches = db.session.execute(scoped(CertificateBatch, center).where(
        CertificateBatch.cohort_id == cohort.id).order_by(CertificateBatch.id.desc())
    ).scalars().all()
    return render_template("training/issue.html", cohort=cohort, rows=rows, todo=todo,
                           form=form, batches=batches, threshold=threshold, problem=problem)


@bp.route("/batches/<int:batch_id>")
@permission_required("training.manage")
def batch(batch_id: int):
    batch = get_or_404(CertificateBatch, batch_id)
    certs = db.session.execute(sa.select(Certificate).where(
        Certificate.batch_id == batch.id).order_by(Certificate.id)).scalars().all()
    return render_template("training/batch.html", batch=batch, certs=certs)


@bp.route("/batches/<int:batch_id>.pdf")
@permission_required("training.manage")
def batch_pdf(batch_id: int):
    batch = get_or_404(CertificateBatch, batch_id)
    if batch.status != "done" or not batch.pdf:
        abort(404)
    return pdf_response(batch.pdf, f"certificates-{batch.cohort_id}-{batch.id}.pdf")


@bp.route("/batches/<int:batch_id>.zip")
@permission_required("training.manage")
def batch_zip(batch_id: int):
    batch = get_or_404(CertificateBatch, batch_id)
    certs = db.session.execute(sa.select(Certificate).where(
        Certificate.batch_id == batch.id).order_by(Certificate.id)).scalars().all()
    if batch.status != "done" or not certs:
        abort(404)
    return zip_response(rendering.zip_of(db.session, certs),
                        f"certificates-{batch.cohort_id}-{batch.id}.zip")


@bp.route("/enrolments/<int:enrolment_id>/issue", methods=["POST"])
@permission_required("training.issue")
def issue_single(enrolment_id: int):
    center = require_center()
    enrolment = get_or_404(Enrolment, enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:  # refused (TrainingError) when not completed or the cohort has no trainer
        cert, created = certificates.issue_one(db.session, center, enrolment,
                                               user_id=current_user.id)
        db.session.commit()
    except TrainingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("training.cohort", cohort_id=enrolment.cohort_id))
    if created:
        certificates.announce(center, [cert])
        flash(_("Certificate %(number)s issued.", number=cert.number), "success")
    else:
        flash(_("%(name)s already holds certificate %(number)s.",
                name=enrolment.trainee.display_name, number=cert.number), "info")
    return redirect(url_for("training.certificate", certificate_id=cert.id))


@bp.route("/certificates")
@permission_required("training.manage")
def certificate_list():
    q = request.args.get("q", "").strip()
    stmt = scoped(Certificate)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(Certificate.number.ilike(like), Certificate.code == q.upper(),
                                 Certificate.holder_name_en.ilike(like),
                                 Certificate.holder_name_km.ilike(like)))
    rows = db.session.execute(stmt.order_by(Certificate.id.desc()).limit(300)).scalars().all()
    return render_template("training/certificates.html", certs=rows, q=q)


@bp.route("/certificates/<int:certificate_id>")
@permission_required("training.manage")
def certificate(certificate_id: int):
    cert = get_or_404(Certificate, certificate_id)
    return render_template("training/certificate_show.html", cert=cert, revoke_form=RevokeForm(),
                           confirm=ConfirmForm(),
                           verify_url=url_for("verification.verify", code=cert.code,
                                              _external=True))


@bp.route("/certificates/<int:certificate_id>.pdf")
@permission_required("training.manage")
def certificate_pdf(certificate_id: int):
    cert = get_or_404(Certificate, certificate_id)
    return pdf_response(rendering.certificate_pdf(db.session, cert), f"{cert.number}.pdf")


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@permission_required("training.issue")
def revoke(certificate_id: int):
    cert = get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            certificates.revoke(db.session, cert, form.reason.data)
            db.session.commit()
        except TrainingError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
        else:
            flash(_("Certificate %(number)s revoked.", number=cert.number), "success")
            return redirect(url_for("training.certificate", certificate_id=cert.id))
    return render_template("training/certificate_show.html", cert=cert, revoke_form=form,
                           confirm=ConfirmForm(),
                           verify_url=url_for("verification.verify", code=cert.code,
                                              _external=True)), 400


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@permission_required("training.issue")
def reissue(certificate_id: int):
    center = require_center()
    cert = get_or_404(Certificate, certificate_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:  # refused (TrainingError) e.g. when the cohort has no trainer
        new = certificates.reissue(db.session, center, cert, user_id=current_user.id)
        db.session.commit()
    except TrainingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("training.certificate", certificate_id=cert.id))
    certificates.announce(center, [new])
    flash(_("Certificate %(old)s is superseded by %(new)s.", old=cert.number, new=new.number),
          "success")
    return redirect(url_for("training.certificate", certificate_id=new.id))
