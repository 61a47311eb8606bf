"""core/jobs: queueing, running in-process and on RQ, progress, failures, the pages.

This module doubles as a plugin (``CTC_EXTRA_PLUGINS=["tests.core.test_jobs"]``): an RQ
worker builds its own app and can only import plugins by name.
"""

from __future__ import annotations

import signal
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from core import hookimpl
from core.auth.permissions import sync_builtin_roles
from core.extensions import db
from core.jobs import (
    DONE,
    FAILED,
    QUEUED,
    Job,
    JobError,
    JobFailed,
    drain,
    enqueue,
    run_job,
    run_job_rq,
    run_worker,
    runner,
)
from core.plugins import Manifest, set_plugin_enabled
from core.sequences import allocate_int
from core.tenancy import Center
from tests.conftest import Factory, login

REDIS_URL = "redis://127.0.0.1:6379/0"

# -- the handlers, and this module as a plugin ---------------------------------------------


def count_job(job, n, fail_at=None, use_number=False):
    """Counts to n, reading its own row after each step as the progress page would."""
    if use_number:
        allocate_int(db.session, job.center, "jobtest")  # the handler's own work
    seen = []
    for i in range(1, n + 1):
        job.progress(i, n, f"step {i}")
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(Job.done, Job.total, Job.message, Job.status)
                               .where(Job.id == job.id)).one()
        seen.append(list(row))
        if fail_at == i:
            job.set_result(partial=f"{i} of {n}")
            raise RuntimeError(f"stopped at {i}")
    return {"seen": seen, "download_url": job.url_for("jobs.index")}


def refusing_job(job, reason):
    job.progress(1, 4)
    raise JobFailed(reason)


HANDLERS = {"jobtest.count": count_job, "jobtest.refuse": refusing_job}


@hookimpl
def ctc_manifest():
    return Manifest(name="jobtest", title_en="Job test", title_km="សាកល្បង", version="1")


@hookimpl
def ctc_jobs():
    return HANDLERS


class JobTestPlugin:
    """The throwaway plugin object of the in-process tests."""

    @hookimpl
    def ctc_manifest(self):
        return ctc_manifest()

    @hookimpl
    def ctc_jobs(self):
        return HANDLERS


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def japp(make_app):
    app = make_app(CTC_EXTRA_PLUGINS=[JobTestPlugin()], CTC_JOBS_PROGRESS_INTERVAL=0)
    with app.app_context():
        sync_builtin_roles()
        db.session.commit()
    return app


def _status(app, job_id):
    with app.app_context():
        return db.session.get(Job, job_id)


def _run(app, kind, center_id, **params):
    with app.app_context():
        job = enqueue(kind, center=db.session.get(Center, center_id), **params)
        assert drain(timeout=30)
        return job.id


# -- the in-process runner -----------------------------------------------------------------------


def test_a_job_runs_in_process_and_reports_progress(japp):
    center_id = Factory(japp).center("PP-01")
    job_id = _run(japp, "jobtest.count", center_id, n=3, use_number=False)
    job = _status(japp, job_id)
    assert (job.status, job.done, job.total, job.message) == (DONE, 3, 3, "step 3")
    assert job.started_at and job.finished_at and job.error == ""
    # the progress was committed while the handler was still running
    assert job.result["seen"] == [[i, 3, f"step {i}", "running"] for i in (1, 2, 3)]
    assert job.result["download_url"] == "/jobs/"
    assert job.params == {"n": 3, "use_number": False}


def test_the_handlers_work_is_committed_when_it_returns(japp):
    center_id = Factory(japp).center("PP-01")
    _run(japp, "jobtest.count", center_id, n=1, use_number=True)
    with japp.app_context():
        assert allocate_int(db.session, db.session.get(Center, center_id), "jobtest") == 2
        db.session.rollback()


def test_a_failed_job_keeps_its_error_and_how_far_it_got(japp):
    center_id = Factory(japp).center("PP-01")
    job_id = _run(japp, "jobtest.count", center_id, n=10, fail_at=3, use_number=True)
    job = _status(japp, job_id)
    assert job.status == FAILED and (job.done, job.total) == (3, 10)
    assert "Traceback" in job.error and "RuntimeError: stopped at 3" in job.error
    assert job.error_summary == "RuntimeError: stopped at 3"
    assert job.result == {"partial": "3 of 10"}
    assert job.finished_at is not None
    with japp.app_context():  # its unfinished work was rolled back: the number is free
        assert allocate_int(db.session, db.session.get(Center, center_id), "jobtest") == 1
        db.session.rollback()


def test_job_failed_keeps_only_the_message(japp):
    center_id = Factory(japp).center("PP-01")
    job = _status(japp, _run(japp, "jobtest.refuse", center_id, reason="no template"))
    assert (job.status, job.error, job.done, job.total) == (FAILED, "no template", 1, 4)


def test_eager_backend_runs_before_enqueue_returns(make_app):
    app = make_app(CTC_EXTRA_PLUGINS=[JobTestPlugin()], CTC_JOBS_BACKEND="eager")
    center_id = Factory(app).center("PP-01")
    with app.app_context():
        job = enqueue("jobtest.count", center=db.session.get(Center, center_id), n=2)
        assert (job.status, job.done) == (DONE, 2)


def test_enqueue_refuses(japp):
    center_id = Factory(japp).center("PP-01")
    with japp.app_context():
        center = db.session.get(Center, center_id)
        with pytest.raises(JobError, match="no job handler"):
            enqueue("nope.nothing", center=center)
        with pytest.raises(JobError, match="JSON"):
            enqueue("jobtest.count", center=center, n=date(2026, 1, 1))
        set_plugin_enabled(center, "jobtest", False)
        db.session.commit()
        with pytest.raises(JobError, match="switched off"):
            enqueue("jobtest.count", center=center, n=1)
        assert db.session.execute(sa.select(sa.func.count(Job.id))).scalar() == 0


def test_a_job_runs_once_and_an_unknown_kind_fails(japp):
    center_id = Factory(japp).center("PP-01")
    with japp.app_context():
        job = Job(center_id=center_id, kind="gone.plugin", params={}, status=QUEUED)
        db.session.add(job)
        db.session.commit()
        assert run_job(job.id) == FAILED
        assert run_job(job.id) is None  # not queued any more: never run twice
        db.session.refresh(job)
        assert "no handler" in job.error


def test_the_rq_entry_point_builds_its_own_app(japp):
    """What an RQ work horse does, without Redis: a fresh app from the forwarded config."""
    center_id = Factory(japp).center("PP-01")
    with japp.app_context():
        job = Job(center_id=center_id, kind="jobtest.count", params={"n": 2}, status=QUEUED)
        db.session.add(job)
        db.session.commit()
        config = runner.forwarded_config(japp)
        assert config["CTC_EXTRA_PLUGINS"] == []  # objects cannot travel; names can
        config["CTC_EXTRA_PLUGINS"] = [__name__]
        runner._worker_apps.clear()
        assert run_job_rq(job.id, config) == DONE
        db.session.refresh(job)
        assert (job.status, job.done) == (DONE, 2)
    runner._worker_apps.clear()


# -- RQ on the real Redis -------------------------------------------------------------------------


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return conn


@pytest.mark.redis
def test_jobs_go_through_rq_when_redis_is_configured(make_app):
    _redis_or_skip()
    queue_name = f"ctc-test-{uuid.uuid4().hex}"
    app = make_app(REDIS_URL=REDIS_URL, CTC_JOBS_QUEUE=queue_name, CTC_JOBS_PROGRESS_INTERVAL=0,
                   CTC_EXTRA_PLUGINS=[__name__])
    center_id = Factory(app).center("PP-01")
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with app.app_context():
            center = db.session.get(Center, center_id)
            ok = enqueue("jobtest.count", center=center, n=3)
            bad = enqueue("jobtest.count", center=center, n=5, fail_at=2)
            queue = runner.rq_queue(app)
            assert queue.count == 2 and ok.status == QUEUED
            assert run_worker(burst=True) == 0
            db.session.expire_all()
            assert (ok.status, ok.done, ok.total) == (DONE, 3, 3)
            assert ok.result["seen"][-1] == [3, 3, "step 3", "running"]
            assert (bad.status, bad.done, bad.total) == (FAILED, 2, 5)
            assert "RuntimeError: stopped at 2" in bad.error
            assert bad.result == {"partial": "2 of 5"}
            assert queue.count == 0
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        with app.app_context():
            runner.rq_queue(app).delete(delete_jobs=True)
        runner._worker_apps.clear()


# -- the pages -----------------------------------------------------------------------------


def _job(app, center_id, **values):
    with app.app_context():
        job = Job(center_id=center_id, kind="jobtest.count", params={}, **values)
        db.session.add(job)
        db.session.commit()
        return job.id


def test_progress_page_and_json(japp):
    factory = Factory(japp)
    center_id = factory.center("PP-01")
    other_id = factory.center("SR-02")
    factory.user("dara", center_id=center_id, role="clerk")
    mine = _job(japp, center_id, status="running", done=3, total=12, message="Printing")
    theirs = _job(japp, other_id, status="running", done=1, total=2)
    client = japp.test_client()
    login(client, "dara")
    page = client.get(f"/jobs/{mine}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.data.decode()
    assert 'role="progressbar"' in html and 'aria-valuenow="25"' in html and "width: 25%" in html
    assert f'data-status-url="/jobs/{mine}.json"' in html and "js/jobs.js" in html
    assert "Printing" in html and '<script src="/static/js/jobs.js">' in html
    data = client.get(f"/jobs/{mine}.json").get_json()
    assert data["status"] == "running"
    assert (data["done"], data["total"], data["percent"]) == (3, 12, 25)
    assert data["finished"] is False and data["error"] == "" and data["download_url"] is None
    assert client.get(f"/jobs/{theirs}").status_code == 404
    assert client.get(f"/jobs/{theirs}.json").status_code == 404
    assert client.get("/jobs/99999.json").status_code == 404
    listing = client.get("/jobs/", headers={"Accept-Language": "en"}).data.decode()
    assert f'href="/jobs/{mine}"' in listing and f'href="/jobs/{theirs}"' not in listing


def test_finished_pages_show_the_error_or_the_download(japp):
    factory = Factory(japp)
    center_id = factory.center("PP-01")
    factory.user("dara", center_id=center_id, role="clerk")
    failed = _job(japp, center_id, status="failed", done=2, total=5,
                  error="Traceback (most recent call last):\n  ...\nValueError: bad row 3")
    done = _job(japp, center_id, status="done", done=5, total=5,
                result={"download_url": "/files/certs.pdf", "key": "x"})
    sneaky = _job(japp, center_id, status="done", result={"download_url": "javascript:alert(1)"})
    client = japp.test_client()
    login(client, "dara")
    html = client.get(f"/jobs/{failed}", headers={"Accept-Language": "en"}).data.decode()
    assert "ValueError: bad row 3" in html and "The job failed" in html
    assert "Traceback" not in html  # the traceback is for deployers
    assert client.get(f"/jobs/{failed}.json").get_json()["error"] == "ValueError: bad row 3"
    html = client.get(f"/jobs/{done}", headers={"Accept-Language": "en"}).data.decode()
    assert 'href="/files/certs.pdf"' in html and 'aria-valuenow="100"' in html
    assert client.get(f"/jobs/{done}.json").get_json()["download_url"] == "/files/certs.pdf"
    assert "javascript:" not in client.get(f"/jobs/{sneaky}").data.decode()


def test_pages_need_the_view_jobs_permission(japp):
    factory = Factory(japp)
    center_id = factory.center("PP-01")
    factory.user("judge", center_id=center_id, role="judge")  # judges do not follow jobs
    job_id = _job(japp, center_id, status="queued")
    client = japp.test_client()
    assert client.get(f"/jobs/{job_id}.json").status_code == 302  # to the login page
    login(client, "judge")
    assert client.get(f"/jobs/{job_id}").status_code == 403
    assert client.get(f"/jobs/{job_id}.json").status_code == 403
