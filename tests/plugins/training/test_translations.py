"""The training screens in Khmer (the catalogue itself: tests/plugins/test_catalogues.py)."""

from __future__ import annotations

from tests.catalogues import compile_if_stale
from tests.conftest import PROJECT_DIR, login

PLUGIN = PROJECT_DIR / "plugins" / "training"


def test_screens_speak_khmer(make_app, factory):
    compile_if_stale(PLUGIN)
    app = make_app()
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles
        from core.extensions import db

        sync_builtin_roles()
        db.session.commit()
    factory.app = app
    client = app.test_client()
    center = factory.center("PP-01")
    factory.user("trainer1", center_id=center, role="trainer")
    login(client, "trainer1", lang="km")
    html = client.get("/training/", headers={"Accept-Language": "km"}).get_data(as_text=True)
    assert "ក្រុមសិក្សាគ្រោងទុក និងកំពុងដំណើរការ" in html
