"""Post office counter: Counter sales in KHR and USD, parcels with UPU S10 numbers, customs forms, receipts, labels, till sessions, public tracking.

This module only wires the plugin into core; the work lives in views.py (and, as the
plugin grows, models.py, services.py, forms.py and documents/).
"""

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem

MANIFEST = Manifest(
    name="postal",
    title_en="Post office counter",
    title_km="បញ្ជរប្រៃសណីយ៍",
    version="0.1.0",
    summary="Counter sales in KHR and USD, parcels with UPU S10 numbers, customs forms, receipts, labels, till sessions, public tracking.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_blueprints():
    from plugins.postal.views import bp

    return [bp]


@hookimpl
def ctc_permissions():
    return [
        Permission("postal.sell", _l("Sell at the counter and accept items"), ('clerk',)),
        Permission("postal.void", _l("Void a sale in the same session"), ()),
        Permission("postal.manage", _l("Edit tariffs and read postal reports"), ()),
    ]


@hookimpl
def ctc_menu_items(center, user):
    from core.auth import can

    if not can("postal.sell", center):
        return []
    return [MenuItem(label=_l("Post office"), endpoint="postal.index", order=10)]
