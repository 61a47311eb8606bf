"""Running jobs: the handle handlers get, the in-process pool, and the RQ entry point."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, has_request_context
from sqlalchemy.exc import OperationalError

from core.extensions import db
from core.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job
from core.tenancy import utcnow

log = logging.getLogger("ctc.jobs")

# Settings the enqueuing app hands to the RQ worker's app, so both use the same database
# and plugins. (The database URL travels through Redis: keep Redis as private as the DB.)
FORWARDED_CONFIG = ("SQLALCHEMY_DATABASE_URI", "CTC_EXTRA_PLUGINS", "CTC_DISABLED_ENTRY_POINTS",
                    "CTC_JOBS_PROGRESS_INTERVAL", "CTC_JOBS_QUEUE", "REDIS_URL", "TESTING")
RQ_FUNCTION = "core.jobs.runner.run_job_rq"
QUICK_LOCK_MS = 250  # SQLite: how long a progress write waits for the lock before skipping


class JobError(ValueError):
    """A job that cannot be queued (unknown kind, parameters that are not JSON, plugin off)."""


class JobFailed(Exception):
    """Raise in a handler to fail the job with this message alone (no traceback kept)."""


def setting(name: str, default=None):
    return current_app.config.get(name, default) if has_app_context() else default


# -- writing the job row in its own short transaction -------------------------------------


def write_job(job_id: int, values: dict, *, only_status: str | None = None,
              quick: bool = False) -> int | None:
    """UPDATE the job row on a connection of its own and commit; return the row count.

    ``quick`` (progress while the handler works): on SQLite, wait only briefly for another
    writer and give up (None) rather than stall the job; the progress is written later.
    """
    table = Job.__table__
    stmt = sa.update(table).where(table.c.id == job_id).values(**values)
    if only_status:
        stmt = stmt.where(table.c.status == only_status)
    engine = db.engine
    quick = quick and engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        before = None
        try:
            if quick:
                before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {QUICK_LOCK_MS}")
            count = conn.execute(stmt).rowcount
            conn.commit()
            return count
        except OperationalError as exc:
            conn.rollback()
            if quick and "locked" in str(exc):
                return None
            raise
        finally:
            if before is not None:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")


class JobHandle:
    """What a handler gets: the job's identity, and progress and result reporting.

    Progress and results are committed at once on a connection of their own, so the page
    following the job sees them while the handler's own transaction (``db.session``) is
    still open; the handler's work is committed when it returns, rolled back if it raises.
    On SQLite one writer at a time: while the handler's session holds uncommitted writes,
    progress waits in memory and is written after the handler's next commit (or at the
    end) - long handlers commit their work in batches.
    """

    def __init__(self, row) -> None:
        self.id: int = row.id
        self.kind: str = row.kind
        self.params: dict = dict(row.params or {})
        self.center_id: int = row.center_id
        self.user_id: int | None = row.created_by_id
        self.result: dict | None = dict(row.result) if row.result else None
        self.done: int = row.done
        self.total: int = row.total
        self._pending: dict = {}
        self._last_write = 0.0

    @property
    def center(self):
        from core.tenancy import Center

        return db.session.get(Center, self.center_id)

    @property
    def user(self):
        from core.auth.models import User

        return db.session.get(User, self.user_id) if self.user_id else None

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report ``done`` of ``total`` steps (and a short message); written at most every
        ``CTC_JOBS_PROGRESS_INTERVAL`` seconds (0.5), and always when done reaches total."""
        self.done = self._pending["done"] = max(int(done), 0)
        if total is not None:
            self.total = self._pending["total"] = max(int(total), 0)
        if message is not None:
            self._pending["message"] = str(message)[:500]
        interval = float(setting("CTC_JOBS_PROGRESS_INTERVAL", 0.5))
        now = time.monotonic()
        reached = bool(self.total) and self.done >= self.total
        if reached or not self._last_write or now - self._last_write >= interval:
            self.flush()

    def set_result(self, data: dict | None = None, **more) -> None:
        """Merge into the job's result (e.g. ``download_url``, a stored file key); kept even
        when the job fails later, so partial output is not lost."""
        self.result = {**(self.result or {}), **(data or {}), **more}
        self._pending["result"] = self.result
        self.flush()

    def flush(self) -> None:
        if not self._pending or _session_holds_sqlite_write_lock():
            return  # written with the next progress after a commit, or when the job ends
        if write_job(self.id, dict(self._pending), quick=True) is not None:
            self._pending.clear()
            self._last_write = time.monotonic()

    def url_for(self, endpoint: str, **values) -> str:
        """A site-relative URL (for ``download_url``), also outside a request."""
        if has_request_context():
            from flask import url_for

            return url_for(endpoint, **values)
        root = current_app.config.get("APPLICATION_ROOT") or "/"
        return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def _session_holds_sqlite_write_lock() -> bool:
    """SQLite: has the handler's session written in its open transaction? Then another
    connection cannot write before it commits, so waiting would only waste time."""
    if db.engine.dialect.name != "sqlite":
        return False
    session = db.session()
    if not session.in_transaction():
        return False
    dbapi = session.connection().connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", False))


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, JobFailed):
        return str(exc)
    text = "".join(traceback.format_exception(exc, limit=-8))
    return text if len(text) <= 4000 else "...\n" + text[-4000:]


def run_job(job_id: int) -> str | None:
    """Run job ``job_id`` with the current app; return its final status.

    The handler gets an app context (hence a database session) of its own, whatever the
    caller holds. The job is claimed first (queued → running): a job runs once, however
    often it was dispatched; None when it was not queued any more.
    """
    with current_app.app_context():
        return _run_claimed(job_id)


def _run_claimed(job_id: int) -> str | None:
    from core.plugins import registry

    if not write_job(job_id, {"status": RUNNING, "started_at": utcnow()}, only_status=QUEUED):
        return None
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(Job.__table__).where(Job.__table__.c.id == job_id)).one()
    handle = JobHandle(row)
    handler = registry().jobs.get(handle.kind)
    status, error = DONE, ""
    try:
        if handler is None:
            raise JobFailed(f"no handler for jobs of kind {handle.kind!r}: "
                            "is its plugin installed?")
        returned = handler(handle, **handle.params)
        db.session.commit()
        if isinstance(returned, dict):
            handle.set_result(returned)
    except BaseException as exc:
        db.session.rollback()
        status, error = FAILED, _error_text(exc)
        log.exception("job %s (%s) failed", job_id, handle.kind)
        if not isinstance(exc, Exception):
            _finish(handle, status, error)
            raise
    finally:
        db.session.remove()
    _finish(handle, status, error)
    return status


def _finish(handle: JobHandle, status: str, error: str) -> None:
    values = {**handle._pending, "status": status, "error": error, "finished_at": utcnow()}
    if handle.result is not None:
        values["result"] = handle.result
    write_job(handle.id, values)


# -- dispatch ------------------------------------------------------------------------------


def backend(app: Flask) -> str:
    """``CTC_JOBS_BACKEND``: "thread" (in-process pool), "rq" or "eager" (in the caller's
    thread, for tests and scripts); by default "rq" when REDIS_URL is set, else "thread"."""
    chosen = app.config.get("CTC_JOBS_BACKEND")
    if chosen:
        return chosen
    return "rq" if app.config.get("REDIS_URL") else "thread"


def dispatch(app: Flask, job_id: int) -> None:
    how = backend(app)
    if how == "rq":
        queue = rq_queue(app)
        queue.enqueue_call(
            RQ_FUNCTION, args=(job_id, forwarded_config(app)),
            timeout=int(app.config.get("CTC_JOBS_TIMEOUT", 3600)),
            description=f"ctc job {job_id}", result_ttl=0, failure_ttl=7 * 24 * 3600,
        )
    elif how == "eager":
        with app.app_context():
            run_job(job_id)
    elif how == "thread":
        _pool(app).submit(job_id)
    else:
        raise JobError(f"unknown CTC_JOBS_BACKEND {how!r}: use thread, rq or eager")


class _Pool:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=int(app.config.get("CTC_JOBS_THREADS", 2)),
                                           thread_name_prefix="ctc-job")
        self.futures: set = set()
        self.lock = threading.Lock()

    def submit(self, job_id: int) -> None:
        future = self.executor.submit(self._run, job_id)
        with self.lock:
            self.futures.add(future)
        future.add_done_callback(self._forget)

    def _run(self, job_id: int) -> None:
        try:
            with self.app.app_context():
                run_job(job_id)
        except Exception:
            log.exception("job %s could not be run", job_id)

    def _forget(self, future) -> None:
        with self.lock:
            self.futures.discard(future)

    def wait(self, timeout: float | None) -> bool:
        with self.lock:
            pending = list(self.futures)
        return not wait_futures(pending, timeout=timeout).not_done


_pool_lock = threading.Lock()


def _pool(app: Flask) -> _Pool:
    with _pool_lock:
        pool = app.extensions.get("ctc_jobs_pool")
        if pool is None:
            pool = app.extensions["ctc_jobs_pool"] = _Pool(app)
        return pool


def drain(timeout: float | None = 30) -> bool:
    """Wait until the current app's in-process jobs are finished; False on timeout."""
    pool = current_app.extensions.get("ctc_jobs_pool")
    return True if pool is None else pool.wait(timeout)


# -- RQ ----------------------------------------------------------------------------------------


def forwarded_config(app: Flask) -> dict:
    out = {}
    for key in FORWARDED_CONFIG:
        if key in app.config:
            out[key] = app.config[key]
    out["CTC_EXTRA_PLUGINS"] = [p for p in out.get("CTC_EXTRA_PLUGINS") or [] if isinstance(p, str)]
    return out


def rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    conn = app.extensions.get("ctc_redis")
    if conn is None:
        conn = app.extensions["ctc_redis"] = Redis.from_url(app.config["REDIS_URL"])
    return Queue(app.config.get("CTC_JOBS_QUEUE") or "ctc", connection=conn)


_worker_apps: dict[str, tuple[Flask, int]] = {}


def _worker_app(config: dict) -> Flask:
    """The app jobs with ``config`` run in: built once per worker, reused by its forks."""
    key = json.dumps(config, sort_keys=True, default=str)
    found = _worker_apps.get(key)
    if found is None:
        from core import create_app

        app = create_app(config)
        _worker_apps[key] = (app, os.getpid())
        return app
    app, pid = found
    if pid != os.getpid():  # a forked work horse: never share the parent's DB connections
        with app.app_context():
            db.engine.dispose(close=False)
        _worker_apps[key] = (app, os.getpid())
    return app


def run_job_rq(job_id: int, config: dict | None = None) -> str | None:
    """RQ's entry point: build (or reuse) the app with ``config`` and run the job."""
    app = _worker_app(dict(config or {}))
    with app.app_context():
        return run_job(job_id)


def run_worker(burst: bool = False) -> int:
    """Work the ``CTC_JOBS_QUEUE`` queue ("ctc") on REDIS_URL; ``burst``: stop when empty."""
    if not has_app_context():
        from core import create_app

        with create_app().app_context():
            return run_worker(burst)
    from rq import Worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise JobError("REDIS_URL is not set: jobs run inside the app process")
    # Jobs queued by apps configured like this one reuse it instead of building their own.
    key = json.dumps(forwarded_config(app), sort_keys=True, default=str)
    _worker_apps[key] = (app, os.getpid())
    queue = rq_queue(app)
    Worker([queue], connection=queue.connection).work(burst=burst)
    return 0
