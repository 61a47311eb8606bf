"""Post office counter: sales in KHR and USD, till sessions, items with UPU S10 numbers,
CN22/CN23, receipts, labels and public tracking.

This module only wires the plugin into core; the work lives in models*.py, services*.py,
views*.py, forms.py, documents/ and templates/postal/.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem, Widget

HERE = Path(__file__).resolve().parent

MANIFEST = Manifest(
    name="postal",
    title_en="Post office counter",
    title_km="បញ្ជរប្រៃសណីយ៍",
    version="0.2.0",
    summary="Counter sales in KHR and USD, parcels with UPU S10 numbers, customs forms, "
            "receipts, labels, till sessions, public tracking.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_models():
    from plugins.postal import models, models_items

    return [models.PostalService, models.Goods, models.Zone, models.Tariff, models.S10Range,
            models.TillSession, models.CashMovement, models.Sale, models.SaleLine,
            models.Payment, models.CartLine, models_items.Item, models_items.CustomsDeclaration,
            models_items.CustomsLine, models_items.TrackingEvent]


@hookimpl
def ctc_blueprints():
    from plugins.postal.views import bp

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
        Permission("postal.sell", _l("Sell at the counter and accept items"), ("clerk",)),
        Permission("postal.void", _l("Void a sale in the same session"), ()),
        Permission("postal.manage", _l("Edit tariffs and read postal reports"), ()),
        Permission("postal.track", _l("Record tracking events of items"), ("clerk",)),
    ]


@hookimpl
def ctc_menu_items(center, user):
    return [
        MenuItem(label=_l("Post office"), endpoint="postal.index", order=10,
                 permission="postal.sell"),
        MenuItem(label=_l("Postal tariffs"), endpoint="postal.tariffs", order=11,
                 permission="postal.manage"),
    ]


@hookimpl
def ctc_dashboard_widgets(center, user):
    from core.auth import can
    from plugins.postal.services_reports import today_summary

    if not (can("postal.sell", center) or can("postal.manage", center)):
        return []
    return [Widget(title=_l("Post office today"), template="postal/widget.html",
                   context={"postal_today": today_summary(center)}, order=10)]


@hookimpl
def ctc_cli_commands(cli):
    from plugins.postal.cli import postal_group

    cli.add_command(postal_group)


@hookimpl
def ctc_demo_data(center, session):
    from plugins.postal.demo import load

    load(center, session)
