"""A throwaway plugin that lives only in the tests.

It proves a plugin plugs in through hooks alone: it adds a page, a menu item, a dashboard
widget, a permission, and a table brought by its own Alembic branch, and core knows nothing
of it. Register it with ``make_app(CTC_EXTRA_PLUGINS=[throwaway])``.

Its model is defined on first use (:func:`tests.core.throwaway.models.note_model`) and
forgotten by :func:`tests.core.throwaway.models.forget`, so its table never lingers in the
metadata that other tests compare with the migrated schema.
"""

from __future__ import annotations

from pathlib import Path

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem, Widget

NAME = "throwaway"
HERE = Path(__file__).resolve().parent

# What the hooks saw, for the tests to inspect (cleared by the fixtures).
MENU_CALLS: list[str] = []  # center codes for which ctc_menu_items ran
TOGGLES: list[tuple[str, str, bool]] = []  # (center code, plugin, enabled)

MANIFEST = Manifest(
    name=NAME,
    title_en="Throwaway",
    title_km="សាកល្បង",
    version="0.0.1",
    summary="A plugin defined inside the tests.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_models():
    from tests.core.throwaway.models import note_model

    return [note_model()]


@hookimpl
def ctc_blueprints():
    from tests.core.throwaway.views import bp

    return [bp]


@hookimpl
def ctc_migration_locations():
    return [HERE / "migrations"]


@hookimpl
def ctc_permissions():
    return [Permission("throwaway.use", "Use the throwaway page", ("clerk",))]


@hookimpl
def ctc_menu_items(center, user):
    from core.auth import can

    MENU_CALLS.append(center.code)
    if not can("throwaway.use", center):
        return []
    return [MenuItem(label="Throwaway notes", endpoint="throwaway.index", order=5)]


@hookimpl
def ctc_dashboard_widgets(center, user):
    return [Widget(title="Throwaway widget", template="throwaway/widget.html",
                   context={"center_code": center.code})]


@hookimpl
def ctc_cli_commands(cli):
    import click
    from flask.cli import with_appcontext

    @cli.command("throwaway-count")
    @with_appcontext
    def count():
        """Count the throwaway notes."""
        from core.extensions import db
        from tests.core.throwaway.models import note_model

        click.echo(f"{db.session.query(note_model()).count()} throwaway notes")


@hookimpl
def ctc_demo_data(center, session):
    from tests.core.throwaway.models import note_model

    note = note_model()
    text = f"Demo note of {center.code}"
    exists = session.query(note).filter_by(center_id=center.id, text=text).first()
    if exists is None:
        session.add(note(center_id=center.id, text=text))


@hookimpl
def ctc_center_plugin_toggled(center, plugin, enabled):
    TOGGLES.append((center.code, plugin, enabled))
