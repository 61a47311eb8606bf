"""The steps of :func:`core.create_app`: extensions, plugins, views."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, g, render_template, request
from flask_babel import lazy_gettext as _l
from jinja2 import ChoiceLoader, FileSystemLoader

from core import i18n, phones
from core.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from core.plugins import PluginError, PluginRegistry, hooks, plugin_enabled

CORE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = CORE_DIR.parent


def init_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for the writer lock instead of failing at once: SQLite serialises writers.
        opts = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        opts.setdefault("connect_args", {}).setdefault("timeout", 30)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    db.init_app(app)
    # `ctc db` (core/cli.py) covers daily use; Flask-Migrate's full group is `ctc alembic`.
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), command="alembic",
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(CORE_DIR / "translations"),
    )
    # Bootstrap's CSS and JS come from the installed package: no CDN, the counter PC may be offline.
    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from core.sqlite import enable_sqlite_pragmas

    enable_sqlite_pragmas(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from core.auth.models import User

        return db.session.get(User, int(user_id))


def init_plugins(app: Flask) -> None:
    from core.auth.permissions import CORE_PERMISSIONS

    reg = PluginRegistry()
    reg.load(
        extra=app.config["CTC_EXTRA_PLUGINS"],
        disabled_entry_points=app.config["CTC_DISABLED_ENTRY_POINTS"],
    )
    app.extensions["ctc"] = reg

    # Importing core's models here keeps them in the metadata whatever the caller imported.
    import core.audit  # noqa: F401
    import core.auth.models  # noqa: F401
    import core.jobs.models  # noqa: F401
    import core.money  # noqa: F401
    import core.sequences  # noqa: F401

    for perm in CORE_PERMISSIONS:
        reg.permissions[perm.code] = perm
        reg.permission_plugin[perm.code] = None
    for name, models in reg.call_each("ctc_models"):
        reg.models[name] = list(models)
    for name, perms in reg.call_each("ctc_permissions"):
        for perm in perms:
            if perm.code in reg.permissions:
                raise PluginError(f"plugin {name!r} declares permission {perm.code!r} twice or over another's")
            if not perm.code.startswith(name + "."):
                raise PluginError(f"plugin {name!r}: permission {perm.code!r} must start with {name + '.'!r}")
            reg.permissions[perm.code] = perm
            reg.permission_plugin[perm.code] = name
    for _name, dirs in reg.call_each("ctc_migration_locations"):
        reg.migration_dirs.extend(str(d) for d in dirs)
    for _name, dirs in reg.call_each("ctc_document_templates"):
        reg.document_dirs.extend(str(d) for d in dirs)
    for name, handlers in reg.call_each("ctc_jobs"):
        for job_name, handler in handlers.items():
            if job_name in reg.jobs:
                raise PluginError(f"plugin {name!r} declares job {job_name!r} twice or over another's")
            reg.jobs[job_name] = handler
    for name, blueprints in reg.call_each("ctc_blueprints"):
        for bp in blueprints:
            app.register_blueprint(bp)
            reg.blueprint_plugin[bp.name] = name
    app.before_request(_plugin_guard(reg))

    # Each plugin may ship its own catalogue in <package>/translations; Flask-Babel merges them.
    babel_config = app.extensions["babel"]
    for name in reg.order:
        module_file = getattr(reg.plugin_object(name), "__file__", None)
        if module_file:
            folder = Path(module_file).parent / "translations"
            if folder.is_dir() and str(folder) not in babel_config.translation_directories:
                babel_config.translation_directories.append(str(folder))

    if reg.document_dirs:
        app.jinja_loader = ChoiceLoader(
            [app.jinja_loader, *(FileSystemLoader(d) for d in reg.document_dirs)]
        )

    # `migrate` is shared by every app of the process: register the callback once and let
    # it read the migration locations of the app it runs in (current_app), not of the app
    # that happened to be built last.
    if _add_plugin_branches not in migrate.configure_callbacks:
        migrate.configure(_add_plugin_branches)


def _add_plugin_branches(config):
    from flask import current_app

    reg = current_app.extensions["ctc"]
    here = PROJECT_DIR / "migrations" / "versions"
    locations = [str(here), *reg.migration_dirs]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


def _plugin_guard(reg: PluginRegistry):
    """Before every request to a plugin's blueprint: 404 where the center has it off.

    Blueprints are module-level objects shared by every app of the process, so the guard
    hangs on the app and looks the plugin up by blueprint name.
    """

    def guard():
        from flask_login import current_user

        from core.auth.permissions import is_centerless_endpoint, is_public_endpoint
        from core.plugins import plugin_enabled_anywhere
        from core.tenancy import current_center

        # request.blueprints: the blueprint and its parents, so nested blueprints count too
        plugin_name = next(
            (reg.blueprint_plugin[b] for b in request.blueprints if b in reg.blueprint_plugin),
            None,
        )
        if plugin_name is None:
            return None
        if request.endpoint and is_public_endpoint(request.endpoint):
            return None  # the public view checks the record's own center
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if is_centerless_endpoint(request.endpoint):  # signed in, no center needed
            if not plugin_enabled_anywhere(plugin_name):
                abort(404)
            return None
        if not plugin_enabled(plugin_name, current_center()):
            abort(404)
        return None

    return guard


def init_views(app: Flask) -> None:
    from core.auth.views import bp as auth_bp
    from core.views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    from core.verification import bp as verification_bp

    app.register_blueprint(verification_bp)
    from core.jobs.views import bp as jobs_bp

    app.register_blueprint(jobs_bp)
    from core.money.views import bp as money_bp

    app.register_blueprint(money_bp)

    from core import cli, documents

    documents.init_app(app)
    cli.register(app)

    @app.context_processor
    def shell_context():
        from flask_login import current_user

        from core.auth.permissions import can
        from core.tenancy import current_center

        center = current_center()

        def menu():
            if not current_user.is_authenticated or center is None:
                return []
            items = [i for group in hooks().ctc_menu_items(center=center, user=current_user)
                     for i in group if i.permission is None or can(i.permission, center)]
            return sorted(items, key=lambda i: (i.order, str(i.label)))

        def core_links():
            """Core's own pages for the center, as (href, label), for the "Center" menu."""
            from flask import url_for
            from flask_babel import gettext as _

            links = [("core.manage_staff", "core.staff", _("Staff")),
                     ("core.manage_center", "money.rates", _("Exchange rates")),
                     ("core.view_jobs", "jobs.index", _("Background jobs")),
                     ("core.view_audit", "core.audit_log", _("Audit trail"))]
            return [(url_for(endpoint), label) for perm, endpoint, label in links if can(perm)]

        return {
            "current_center": center,
            "menu_items": menu,
            "core_links": core_links,
            "can": can,
            "lang": i18n.lang,
            "local_name": i18n.local_name,
            "to_local": i18n.to_local,
            "languages": app.config["CTC_LANGUAGES"],
        }

    app.jinja_env.filters["localtime"] = i18n.to_local
    app.jinja_env.filters["khmer_digits"] = i18n.khmer_digits
    app.jinja_env.filters["phone"] = phones.display

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.teardown_request
    def forget_request_state(_exc):
        g.pop("hooks", None)


def _error_page(code: int):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code, error=error), code

    return handler
