"""SQLite settings applied to every connection (foreign keys on, WAL for concurrent readers).

We keep pysqlite's own transaction handling on purpose: it begins a transaction at the
first write, so a request that reads and then writes never holds a stale read snapshot
that SQLite would refuse to upgrade ("database is locked" at once, whatever the busy
timeout). The price: a SAVEPOINT issued before any write opens the outer transaction and
its RELEASE commits it - write something (even a no-op UPDATE) before ``begin_nested()``.
(SQLAlchemy's recipe with ``isolation_level=None`` and an explicit BEGIN was tried and
reverted for that reason.)
"""

from flask import Flask
from sqlalchemy import event


def enable_sqlite_pragmas(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from core.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
