"""CTC ERP core: the app factory.

``create_app`` builds one app with its own plugin manager: tests make a fresh one each,
as pluggy's own test-suite does.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from core.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]

CORE_DIR = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    from core import config as cfg

    instance_path = os.environ.get("CTC_INSTANCE_PATH") or str(CORE_DIR.parent / "instance")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.update(cfg.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(cfg.from_environment())
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = cfg.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    cfg.check_secret_key(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from core import app_setup

    app_setup.init_extensions(app)
    app_setup.init_plugins(app)
    app_setup.init_views(app)
    return app
