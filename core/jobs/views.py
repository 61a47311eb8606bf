"""Following a job: a page with a progress bar, and the JSON it polls."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from core.auth.permissions import permission_required
from core.extensions import db
from core.jobs.models import Job
from core.tenancy import get_or_404, require_center, scoped

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.route("/")
@permission_required("core.view_jobs")
def index():
    center = require_center()
    jobs = db.session.execute(
        scoped(Job, center).order_by(Job.created_at.desc(), Job.id.desc()).limit(50)
    ).scalars().all()
    return render_template("jobs/index.html", jobs=jobs)


@bp.route("/<int:job_id>")
@permission_required("core.view_jobs")
def show(job_id: int):
    job = get_or_404(Job, job_id, require_center())
    return render_template("jobs/show.html", job=job)


@bp.route("/<int:job_id>.json")
@permission_required("core.view_jobs")
def status(job_id: int):
    job = get_or_404(Job, job_id, require_center())
    response = jsonify(job.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response
