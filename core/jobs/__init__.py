"""Background jobs with their progress in the database.

``enqueue(kind, center=..., **params)`` saves a :class:`Job` row and hands its id to a
runner: a small thread pool inside the app process by default, or RQ on Redis when
``REDIS_URL`` is set (run ``ctc worker``). The runner calls the handler registered under
``kind`` by a plugin's ``ctc_jobs`` hook as ``handler(job, **params)`` in an app context;
``job`` is a :class:`JobHandle`. See docs/services.md for the settings.
"""

from __future__ import annotations

import json

from flask import current_app

from core.extensions import db
from core.jobs.models import DONE, FAILED, QUEUED, RUNNING, STATUSES, Job
from core.jobs.runner import (
    JobError,
    JobFailed,
    JobHandle,
    dispatch,
    drain,
    run_job,
    run_job_rq,
    run_worker,
    write_job,
)

__all__ = [
    "DONE", "FAILED", "QUEUED", "RUNNING", "STATUSES", "Job", "JobError", "JobFailed",
    "JobHandle", "drain", "enqueue", "run_job", "run_job_rq", "run_worker",
]


def enqueue(kind: str, *, center, user=None, **params) -> Job:
    """Queue a ``kind`` job for ``center``; commits the session, then dispatches.

    Refused (:class:`JobError`) when no plugin registered ``kind``, when the plugin that
    owns it (the name before the first dot) is switched off at ``center``, or when
    ``params`` are not JSON.
    """
    from core.plugins import plugin_enabled, registry

    reg = registry()
    if kind not in reg.jobs:
        raise JobError(f"no job handler is registered as {kind!r}")
    owner = kind.split(".", 1)[0]
    if owner in reg.manifests and not plugin_enabled(owner, center):
        raise JobError(f"the {owner} plugin is switched off at {center.code}")
    try:
        params = json.loads(json.dumps(params))
    except (TypeError, ValueError) as exc:
        raise JobError(f"job parameters must be JSON values: {exc}") from exc
    user_id = getattr(user, "id", None) if user is not None else None
    job = Job(center_id=center.id, kind=kind, params=params, status=QUEUED,
              created_by_id=user_id if isinstance(user_id, int) else None)
    db.session.add(job)
    db.session.flush()
    job_id = job.id  # read before the commit: reading after it would open a transaction
    db.session.commit()  # whose snapshot could not see what the runner writes
    try:
        dispatch(current_app._get_current_object(), job_id)
    except Exception as exc:
        write_job(job_id, {"status": FAILED, "error": f"could not be queued: {exc!r}"},
                  only_status=QUEUED)
        db.session.refresh(job)
        raise JobError(f"job {job_id} could not be queued: {exc}") from exc
    db.session.expire(job)  # the runner writes it on connections of its own
    return job
