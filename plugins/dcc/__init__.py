"""Digital Community of Cambodia: The national registry of digital professionals: members, organisations, opportunities, competitions, judging and awards.

This module only wires the plugin into core; the work lives in views.py (and, as the
plugin grows, models.py, services.py, forms.py and documents/).
"""

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem

MANIFEST = Manifest(
    name="dcc",
    title_en="Digital Community of Cambodia",
    title_km="សហគមន៍ឌីជីថលកម្ពុជា",
    version="0.1.0",
    summary="The national registry of digital professionals: members, organisations, opportunities, competitions, judging and awards.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_blueprints():
    from plugins.dcc.views import bp

    return [bp]


@hookimpl
def ctc_permissions():
    return [
        Permission("dcc.moderate", _l("Moderate members, organisations and competitions"), ('moderator',)),
        Permission("dcc.judge", _l("Score competition entries"), ('judge',)),
    ]


@hookimpl
def ctc_menu_items(center, user):
    from core.auth import can

    if not can("dcc.moderate", center):
        return []
    return [MenuItem(label=_l("DCC"), endpoint="dcc.index", order=40)]
