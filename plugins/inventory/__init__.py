"""Lab inventory: the lab's asset register, asset tags, loans, repairs, consumables and
stock-takes.

This module only wires the plugin into core; the work lives in models.py, services.py,
loans.py, repairs.py, stock.py, register_io.py, views*.py, cli.py and demo.py.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem, Widget

HERE = Path(__file__).resolve().parent

MANIFEST = Manifest(
    name="inventory",
    title_en="Lab inventory",
    title_km="សារពើភណ្ឌបន្ទប់កុំព្យូទ័រ",
    version="0.2.0",
    summary="The lab's asset register, asset tags, loans, repairs, consumables and stock-takes.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_models():
    from plugins.inventory.models import MODELS

    return MODELS


@hookimpl
def ctc_blueprints():
    from plugins.inventory.views import bp

    return [bp]


@hookimpl
def ctc_migration_locations():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def ctc_document_templates():
    return [str(HERE / "documents")]


@hookimpl
def ctc_permissions():
    return [
        Permission("inventory.manage", _l("Keep the asset register and lend equipment"),
                   ("lab_officer",)),
        Permission("inventory.stock", _l("Receive, issue and count consumables"),
                   ("lab_officer",)),
        Permission("inventory.repair", _l("Work on repair and maintenance tickets"),
                   ("lab_officer", "trainer")),
    ]


@hookimpl
def ctc_cli_commands(cli):
    from plugins.inventory.cli import inventory_group

    cli.add_command(inventory_group)


@hookimpl
def ctc_demo_data(center, session):
    from plugins.inventory.demo import load

    load(center, session)


@hookimpl
def ctc_menu_items(center, user):
    from core.auth import can

    if can("inventory.manage", center):
        return [MenuItem(label=_l("Inventory"), endpoint="inventory.index", order=30)]
    if can("inventory.stock", center):
        return [MenuItem(label=_l("Consumables"), endpoint="inventory.consumables", order=30)]
    if can("inventory.repair", center):
        return [MenuItem(label=_l("Repairs"), endpoint="inventory.repairs_list", order=30)]
    return []


@hookimpl
def ctc_dashboard_widgets(center, user):
    from core.auth import can
    from core.extensions import db
    from plugins.inventory.loans import overdue_count
    from plugins.inventory.stock import low_stock

    widgets = []
    if can("inventory.manage", center):
        widgets.append(Widget(_l("Overdue loans"), "inventory/widget_overdue.html",
                              {"overdue_loans": overdue_count(db.session, center)}, order=30))
    if can("inventory.stock", center):
        widgets.append(Widget(_l("Consumables to reorder"), "inventory/widget_low_stock.html",
                              {"low_stock": low_stock(db.session, center)[:8]}, order=31))
    return widgets
