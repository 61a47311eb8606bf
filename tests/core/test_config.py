"""Configuration: defaults, then instance/config.py, then the environment; a safe secret."""

from __future__ import annotations

import pytest

from core import create_app
from core.config import ConfigError, from_environment, normalise_database_url

STRONG = "k" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No deployer settings leak in: an empty instance folder, no CTC_*/secret variables."""
    import os

    for key in list(os.environ):
        if key.startswith("CTC_") and not key.startswith("CTC_TEST_"):
            monkeypatch.delenv(key)
    for key in ("SECRET_KEY", "DATABASE_URL", "FLASK_DEBUG", "REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CTC_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def sqlite(tmp_path) -> str:
    return "sqlite:///" + str(tmp_path / "config.sqlite3")


@pytest.mark.parametrize("secret", [None, "", "dev", "secret", "changeme", "short-key-123"])
def test_missing_or_weak_secret_key_is_a_startup_error(tmp_path, secret):
    config = {"SQLALCHEMY_DATABASE_URI": sqlite(tmp_path)}
    if secret is not None:
        config["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY") as err:
        create_app(config)
    assert "at least 24" in str(err.value)


def test_weak_secret_key_from_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": sqlite(tmp_path)})


def test_strong_secret_key_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite(tmp_path)})
    assert app.config["SECRET_KEY"] == STRONG
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("mode", [{"TESTING": True}, {"DEBUG": True}])
def test_debug_and_test_runs_make_up_their_own_key(tmp_path, mode):
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite(tmp_path), **mode})
    assert len(app.config["SECRET_KEY"]) >= 24


def test_flask_debug_environment_counts_as_debug(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite(tmp_path)})
    assert app.config["SECRET_KEY"]


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@db.example:5432/ctc", "postgresql+psycopg://u:p@db.example:5432/ctc"),
    ("postgresql://u@localhost/ctc", "postgresql+psycopg://u@localhost/ctc"),
    ("postgresql+psycopg://u@localhost/ctc", "postgresql+psycopg://u@localhost/ctc"),
    ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
])
def test_database_url_is_normalised_to_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_database_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ctc:pw@db.example:5432/ctc")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://ctc:pw@db.example:5432/ctc"


def test_default_database_is_sqlite_in_the_instance_folder(clean_environment, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = create_app()
    assert app.instance_path == str(clean_environment)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "sqlite:///" + str(clean_environment / "ctc.sqlite3"))


def test_ctc_environment_variables_override(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("CTC_LOGIN_MAX_FAILURES", "9")
    monkeypatch.setenv("CTC_LANGUAGES", '["en", "km"]')
    monkeypatch.setenv("CTC_TIMEZONE", "Asia/Bangkok")
    monkeypatch.setenv("CTC_TEST_SOMETHING", "ignored")
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite(tmp_path)})
    assert app.config["CTC_LOGIN_MAX_FAILURES"] == 9
    assert app.config["CTC_LANGUAGES"] == ["en", "km"]
    assert app.config["CTC_TIMEZONE"] == "Asia/Bangkok"
    assert "CTC_TEST_SOMETHING" not in app.config
    assert "CTC_TEST_SOMETHING" not in from_environment({"CTC_TEST_SOMETHING": "x"})


def test_instance_config_is_read_and_the_environment_wins(clean_environment, monkeypatch):
    (clean_environment / "config.py").write_text(
        f"SECRET_KEY = {STRONG!r}\n"
        "CTC_LOGIN_MAX_FAILURES = 3\n"
        "CTC_TIMEZONE = 'Asia/Ho_Chi_Minh'\n"
        "SESSION_COOKIE_SECURE = False\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CTC_TIMEZONE", "Asia/Bangkok")
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG  # no ConfigError: the file's key is strong
    assert app.config["CTC_LOGIN_MAX_FAILURES"] == 3
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["CTC_TIMEZONE"] == "Asia/Bangkok"


def test_explicit_config_wins_over_everything(clean_environment, monkeypatch):
    (clean_environment / "config.py").write_text("CTC_LOGIN_MAX_FAILURES = 3\n",
                                                 encoding="utf-8")
    monkeypatch.setenv("CTC_LOGIN_MAX_FAILURES", "4")
    app = create_app({"SECRET_KEY": STRONG, "CTC_LOGIN_MAX_FAILURES": 5})
    assert app.config["CTC_LOGIN_MAX_FAILURES"] == 5


def test_secure_defaults():
    from core.config import defaults

    config = defaults("/tmp/instance")
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Phnom_Penh"
