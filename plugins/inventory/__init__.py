"""Lab inventory: The lab's asset register, asset tags, loans, repairs, consumables and stock-takes.

This module only wires the plugin into core; the work lives in views.py (and, as the
plugin grows, models.py, services.py, forms.py and documents/).
"""

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem

MANIFEST = Manifest(
    name="inventory",
    title_en="Lab inventory",
    title_km="សារពើភណ្ឌបន្ទប់កុំព្យូទ័រ",
    version="0.1.0",
    summary="The lab's asset register, asset tags, loans, repairs, consumables and stock-takes.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_blueprints():
    from plugins.inventory.views import bp

    return [bp]


@hookimpl
def ctc_permissions():
    return [
        Permission("inventory.manage", _l("Keep the asset register, loans and repairs"), ('lab_officer',)),
        Permission("inventory.stock", _l("Receive, issue and count consumables"), ('lab_officer',)),
    ]


@hookimpl
def ctc_menu_items(center, user):
    from core.auth import can

    if not can("inventory.manage", center):
        return []
    return [MenuItem(label=_l("Inventory"), endpoint="inventory.index", order=30)]
