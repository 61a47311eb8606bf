"""Configuration: defaults, then ``instance/config.py``, then the environment.

Environment variables win: ``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL`` and every
``CTC_*`` variable, which sets the config key of the same name (core's own settings all
carry the ``CTC_`` prefix). Values are parsed as JSON when they look like JSON (``true``,
``5``, ``["a"]``), otherwise kept as strings. ``CTC_TEST_*`` variables belong to the
test suite and are not read here.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}
MIN_SECRET_LENGTH = 24


class ConfigError(RuntimeError):
    """The configuration cannot run a safe server; the message says what to fix."""


def defaults(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "ctc.sqlite3"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SECRET_KEY": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure cookies unless explicitly served over plain HTTP (make run, tests).
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "km",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Phnom_Penh",
        "CTC_LANGUAGES": ["km", "en"],
        "CTC_TIMEZONE": "Asia/Phnom_Penh",
        # Login throttling: this many failures for one user name (or one address)
        # within the window locks further attempts until the window passes.
        "CTC_LOGIN_MAX_FAILURES": 5,
        "CTC_LOGIN_WINDOW_SECONDS": 15 * 60,
        "CTC_PASSWORD_HASH_METHOD": "scrypt",
        "CTC_EXTRA_PLUGINS": [],
        "CTC_DISABLED_ENTRY_POINTS": [],
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_PUBLIC": "60 per minute",
    }


def _parse(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def from_environment(environ=os.environ) -> dict:
    found = {}
    for key, value in environ.items():
        if key.startswith("CTC_") and not key.startswith("CTC_TEST_"):
            found[key] = _parse(value)
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("SECRET_KEY"):
        found["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("REDIS_URL"):
        found["REDIS_URL"] = environ["REDIS_URL"]
    if environ.get("FLASK_DEBUG") in {"1", "true", "True"}:
        found["DEBUG"] = True
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the deployer wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_secret_key(config) -> None:
    if config.get("TESTING") or config.get("DEBUG"):
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = "insecure-development-key-" + "x" * 16
        return
    key = config.get("SECRET_KEY") or ""
    if key.lower() in WEAK_SECRETS or len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(
            "SECRET_KEY is missing or weak: set it to at least "
            f"{MIN_SECRET_LENGTH} random characters, for example with\n"
            "  export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')\n"
            "or in instance/config.py. (Debug and test runs make up their own.)"
        )
