"""SQLite settings applied to every connection (foreign keys on, WAL for concurrent readers)."""

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
