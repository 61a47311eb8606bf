"""Digital Community of Cambodia: the national registry of digital professionals, organisations
and opportunities, competitions with rubric judging, results and awards.

This module only wires the plugin into core. The work lives in models.py and
competition_models.py; the services members.py, directory.py, opportunities.py,
competitions.py, ranking.py (pure), results.py, integration.py (verification codes,
issued certificates), identity.py (national IDs checked against ID cards) and notify.py;
forms.py; one blueprint spread over views.py, views_members.py, views_orgs.py,
views_competitions.py, views_admin.py, views_identity.py and views_judging.py;
documents/ (certificate PDF); demo.py. See docs/dcc.md.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem, Widget

HERE = Path(__file__).resolve().parent

MANIFEST = Manifest(
    name="dcc",
    title_en="Digital Community of Cambodia",
    title_km="សហគមន៍ឌីជីថលកម្ពុជា",
    version="0.2.0",
    summary="The national registry of digital professionals: members, organisations, "
            "opportunities, competitions, judging and awards.",
    requires=(),
    default_enabled=True,
)


@hookimpl
def ctc_manifest():
    return MANIFEST


@hookimpl
def ctc_models():
    from plugins.dcc import competition_models, models

    return [models.Member, models.ConsentRecord, models.ConfirmationCode, models.Skill,
            models.MemberSkill, models.VerifiedCredential, models.CredentialNotice,
            models.Organisation,
            models.Opportunity, models.Interest, *competition_models.ALL_MODELS]


@hookimpl
def ctc_blueprints():
    from plugins.dcc.views import bp

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
        Permission("dcc.moderate", _l("Moderate members, organisations and competitions"),
                   ("moderator",)),
        Permission("dcc.judge", _l("Score competition entries"), ("judge",)),
    ]


@hookimpl
def ctc_menu_items(center, user):
    return [
        MenuItem(label=_l("DCC"), endpoint="dcc.index", order=40, permission="dcc.moderate"),
        MenuItem(label=_l("Judging"), endpoint="dcc.judging", order=41, permission="dcc.judge"),
    ]


@hookimpl
def ctc_dashboard_widgets(center, user):
    from core.auth import can

    if not (can("dcc.moderate", center) or can("dcc.judge", center)):
        return []
    from plugins.dcc.views import dashboard_counts

    return [Widget(_l("Digital Community of Cambodia"), "dcc/widget.html",
                   {"dcc": dashboard_counts(center, user)}, order=40)]


@hookimpl
def ctc_demo_data(center, session):
    from plugins.dcc.demo import load

    load(center, session)


@hookimpl
def ctc_verify_code(code):
    from core.extensions import db
    from plugins.dcc.integration import verify_code

    return verify_code(db.session, code)


@hookimpl
def ctc_certificate_issued(certificate, center):
    """Called after the issuer committed; our credential rows are committed here."""
    from core.extensions import db
    from plugins.dcc.integration import link_certificate

    link_certificate(db.session, certificate, center)
    db.session.commit()  # credentials, and notices kept for a national ID not checked yet
