"""Training: courses, cohorts, attendance, assessment, bulk PDF certificates with public QR
verification.

This module only wires the plugin into core; the work lives in models.py, services.py,
certificates.py, reports.py, views*.py and documents/.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem

HERE = Path(__file__).resolve().parent

MANIFEST = Manifest(
    name="training",
    title_en="Training",
    title_km="វគ្គបណ្តុះបណ្តាល",
    version="0.2.0",
    summary="Courses, cohorts, attendance, assessment, bulk PDF certificates with public QR "
            "verification.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_models():
    from plugins.training.models import MODELS

    return MODELS


@hookimpl
def ctc_blueprints():
    from plugins.training.views import bp

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
        Permission("training.manage", _l("Run courses, cohorts and attendance"), ("trainer",)),
        Permission("training.issue", _l("Issue and revoke certificates"), ("trainer",)),
        Permission("training.reports", _l("See and export training reports"), ()),
    ]


@hookimpl
def ctc_jobs():
    from plugins.training.certificates import run_batch_job

    return {"training.bulk_issue": run_batch_job}


@hookimpl
def ctc_menu_items(center, user):
    return [
        MenuItem(label=_l("Training"), endpoint="training.index", order=20,
                 permission="training.manage"),
        MenuItem(label=_l("Training reports"), endpoint="training.report", order=21,
                 permission="training.reports"),
    ]


@hookimpl
def ctc_dashboard_widgets(center, user):
    from core.auth import can
    from core.plugins import Widget
    from plugins.training.reports import dashboard_figures

    if not (can("training.manage", center) or can("training.reports", center)):
        return []
    return [Widget(title=_l("Training"), template="training/_widget.html",
                   context={"figures": dashboard_figures(center)}, order=20)]


@hookimpl
def ctc_verify_code(code):
    from plugins.training.certificates import verify_code

    return verify_code(code)


@hookimpl
def ctc_find_people(center, query, purpose):
    from plugins.training.people import find_people

    return find_people(center, query, purpose)


@hookimpl
def ctc_demo_data(center, session):
    from plugins.training.demo import create_demo_data

    create_demo_data(center, session)
