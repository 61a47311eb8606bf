"""Training: Courses, cohorts, attendance, assessment, bulk PDF certificates with public QR verification.

This module only wires the plugin into core; the work lives in views.py (and, as the
plugin grows, models.py, services.py, forms.py and documents/).
"""

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem

MANIFEST = Manifest(
    name="training",
    title_en="Training",
    title_km="វគ្គបណ្តុះបណ្តាល",
    version="0.1.0",
    summary="Courses, cohorts, attendance, assessment, bulk PDF certificates with public QR verification.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_blueprints():
    from plugins.training.views import bp

    return [bp]


@hookimpl
def ctc_permissions():
    return [
        Permission("training.manage", _l("Run courses, cohorts and attendance"), ('trainer',)),
        Permission("training.issue", _l("Issue and revoke certificates"), ('trainer',)),
    ]


@hookimpl
def ctc_menu_items(center, user):
    from core.auth import can

    if not can("training.manage", center):
        return []
    return [MenuItem(label=_l("Training"), endpoint="training.index", order=20)]
