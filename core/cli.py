"""The ``ctc`` command: a Flask CLI group with core's commands and the plugins' own."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from core.extensions import db
from core.i18n import english


def _create_app():
    from core import create_app

    return create_app()


class CtcGroup(FlaskGroup):
    """Adds plugin commands (the ``ctc_cli_commands`` hook) once the app exists.

    The group object is shared by every app of the process (tests build many, with
    different plugins), so the plugins' commands are collected per app, not added to it.
    """

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands(ctx)))

    def get_command(self, ctx, name):
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)

    def _plugin_commands(self, ctx) -> dict:
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except Exception:
            return {}  # `ctc --help` still works on a broken configuration; commands report it
        commands = app.extensions.get("ctc_cli_commands")
        if commands is None:
            collector = click.Group()
            app.extensions["ctc"].pm.hook.ctc_cli_commands(cli=collector)
            commands = app.extensions["ctc_cli_commands"] = dict(collector.commands)
        return commands


cli = CtcGroup(create_app=_create_app, help="CTC ERP: centers, plugins, users, database, demo data.")


def main() -> None:
    cli.main(prog_name="ctc")


def register(app) -> None:
    """Nothing to add on the app itself: the commands live on the ``ctc`` group."""


def _center(code: str):
    from core.tenancy import Center

    center = db.session.execute(db.select(Center).where(Center.code == code.upper())).scalar_one_or_none()
    if center is None:
        raise click.ClickException(f"no center with the code {code!r} (see `ctc centers list`)")
    return center


# -- db ---------------------------------------------------------------------------------


@cli.group("db")
def db_group():
    """Migrate the database (all plugins' branches; see `ctc alembic` for the rest)."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(revision):
    """Bring the database to REVISION (default: every branch's head)."""
    import flask_migrate

    from core.auth.permissions import sync_builtin_roles

    flask_migrate.upgrade(revision=revision)
    sync_builtin_roles()
    db.session.commit()
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    """Step the database back to REVISION."""
    import flask_migrate

    flask_migrate.downgrade(revision=revision)


@db_group.command("current")
@with_appcontext
def db_current():
    """Show the revision(s) the database is at."""
    import flask_migrate

    flask_migrate.current(verbose=False)


@db_group.command("heads")
@with_appcontext
def db_heads():
    """Show every branch's head."""
    import flask_migrate

    flask_migrate.heads(verbose=True)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--branch", default=None, help="plugin branch label (default: core)")
@click.option("--autogenerate/--empty", default=True)
@with_appcontext
def db_revision(message, branch, autogenerate):
    """Write a new revision (on a plugin's branch with --branch NAME)."""
    import flask_migrate

    branch = branch or "core"
    current_app.config["CTC_MIGRATION_BRANCH"] = branch
    flask_migrate.revision(message=message, autogenerate=autogenerate, head=f"{branch}@head")


# -- plugins ----------------------------------------------------------------------------


@cli.group("plugins")
def plugins_group():
    """Installed plugins and their per-center switches."""


@plugins_group.command("list")
@click.option("--center", "code", default=None, help="show the switches of this center")
@with_appcontext
def plugins_list(code):
    from core.plugins import enabled_plugins, registry

    reg = registry()
    center = _center(code) if code else None
    enabled = enabled_plugins(center) if center else set()
    for name in reg.order:
        m = reg.manifests[name]
        state = ("on " if name in enabled else "off") if center else ("default on " if m.default_enabled else "default off")
        requires = f"  requires: {', '.join(m.requires)}" if m.requires else ""
        click.echo(f"{name:<12} {state}  {m.version:<8} {m.title_en} / {m.title_km}{requires}")


def _toggle(name, code, enabled):
    from core.plugins import PluginDependencyError, set_plugin_enabled

    center = _center(code)
    try:
        changed = set_plugin_enabled(center, name, enabled)
    except PluginDependencyError as exc:
        db.session.rollback()
        raise click.ClickException(english(exc)) from exc
    db.session.commit()
    verb = "enabled" if enabled else "disabled"
    if changed:
        click.echo(f"{verb} at {center.code}: {', '.join(changed)}")
    else:
        click.echo(f"{name} was already {verb} at {center.code}")


@plugins_group.command("enable")
@click.argument("name")
@click.option("--center", "code", required=True)
@with_appcontext
def plugins_enable(name, code):
    """Switch NAME on for a center (and what it requires)."""
    _toggle(name, code, True)


@plugins_group.command("disable")
@click.argument("name")
@click.option("--center", "code", required=True)
@with_appcontext
def plugins_disable(name, code):
    """Switch NAME off for a center; its data stays."""
    _toggle(name, code, False)


# -- centers ----------------------------------------------------------------------------


@cli.group("centers")
def centers_group():
    """Create and list centers."""


@centers_group.command("create")
@click.option("--code", required=True)
@click.option("--name-en", required=True)
@click.option("--name-km", required=True)
@click.option("--province", "province_code", required=True, help="province code, 01-25")
@click.option("--address", default="")
@click.option("--phone", default="")
@with_appcontext
def centers_create(code, name_en, name_km, province_code, address, phone):
    from core import services

    try:
        center = services.create_center(code=code, name_en=name_en, name_km=name_km,
                                        province_code=province_code.zfill(2), address=address,
                                        phone=phone)
    except services.CoreError as exc:
        raise click.ClickException(english(exc)) from exc
    db.session.commit()
    click.echo(f"created center {center.code}")


@centers_group.command("list")
@with_appcontext
def centers_list():
    from core.tenancy import Center

    for c in db.session.execute(db.select(Center).order_by(Center.code)).scalars():
        province = c.province.name_en if c.province else c.province_code
        click.echo(f"{c.code:<10} {c.name_en} / {c.name_km}  ({province})")


# -- users ------------------------------------------------------------------------------


@cli.group("users")
def users_group():
    """Create users, set passwords, grant roles."""


@users_group.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="")
@click.option("--email", default="")
@click.option("--deployer", is_flag=True, help="global deployer role (all centers)")
@click.option("--center", "code", default=None)
@click.option("--role", default=None)
@with_appcontext
def users_create(username, password, full_name, email, deployer, code, role):
    from core import services

    try:
        center = _center(code) if code else None
        user = services.create_user(username=username, password=password, full_name=full_name,
                                    email=email, is_deployer=deployer, center=center)
        if center is not None and role:
            services.grant_role(user, center, role)
    except services.CoreError as exc:
        db.session.rollback()
        raise click.ClickException(english(exc)) from exc
    db.session.commit()
    click.echo(f"created user {user.username}")


@users_group.command("list")
@with_appcontext
def users_list():
    from core.auth.models import User

    for u in db.session.execute(db.select(User).order_by(User.username)).scalars():
        roles = ", ".join(f"{m.role.code}@{m.center.code}" for m in u.memberships)
        flag = " [deployer]" if u.is_deployer else ""
        click.echo(f"{u.username:<16} {u.full_name}{flag}  {roles}")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def users_set_password(username, password):
    from core.auth.models import User

    user = db.session.execute(db.select(User).where(User.username == username.lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    if len(password) < 10:
        raise click.ClickException("a password needs at least 10 characters")
    user.set_password(password)
    db.session.commit()
    click.echo(f"password of {user.username} changed")


@users_group.command("grant")
@click.argument("username")
@click.option("--center", "code", required=True)
@click.option("--role", required=True)
@with_appcontext
def users_grant(username, code, role):
    from core import services
    from core.auth.models import User

    user = db.session.execute(db.select(User).where(User.username == username.lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    try:
        services.grant_role(user, _center(code), role)
    except services.CoreError as exc:
        raise click.ClickException(english(exc)) from exc
    db.session.commit()
    click.echo(f"{user.username} is {role} at {code.upper()}")


@cli.group("roles")
def roles_group():
    """Built-in roles and their permissions."""


@roles_group.command("sync")
@with_appcontext
def roles_sync():
    """Create the built-in roles and grant them their default permissions."""
    from core.auth.permissions import sync_builtin_roles

    sync_builtin_roles()
    db.session.commit()
    click.echo("built-in roles synchronised")


@roles_group.command("list")
@with_appcontext
def roles_list():
    from core.auth.models import Role

    for r in db.session.execute(db.select(Role).order_by(Role.code)).scalars():
        click.echo(f"{r.code:<12} {r.name_en}: {', '.join(sorted(r.permissions))}")


# -- demo -------------------------------------------------------------------------------


@cli.command("demo")
@click.option("--if-empty", is_flag=True, help="only load when the database has no center yet")
@with_appcontext
def demo(if_empty):
    """Load demo centers, users and every enabled plugin's demo data (safe to run twice)."""
    from core import demo as demo_data
    from core.tenancy import Center

    has_centers = db.session.execute(db.select(Center.id).limit(1)).first() is not None
    if not (if_empty and has_centers):
        demo_data.load()
        db.session.commit()
        click.echo("demo data loaded")
    click.echo(demo_data.logins_text())


@cli.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def worker(burst):
    """Run a background-job worker on Redis (REDIS_URL)."""
    from core.jobs import run_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inside the app process")
    sys.exit(run_worker(burst=burst))
