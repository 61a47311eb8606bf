"""The audit trail: who did what to which record, where, with what values; append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditLog
from core.extensions import db
from core.tenancy import Center, utcnow
from tests.conftest import Factory, login
from tests.core.throwaway.fixtures import fast_hashing  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_hashing")

EN = {"Accept-Language": "en"}


@pytest.fixture
def people(app):
    factory = Factory(app)
    center = factory.center("AD-01")
    root = factory.user("root", deployer=True)
    boss = factory.user("boss", center_id=center, role="manager")
    return center, root, boss


def rows(app, **where):
    with app.app_context():
        q = db.select(AuditLog).filter_by(**where).order_by(AuditLog.id)
        return [
            {"user_id": r.user_id, "center_id": r.center_id, "action": r.action,
             "object_type": r.object_type, "object_id": r.object_id, "changes": r.changes}
            for r in db.session.execute(q).scalars()
        ]


def test_creating_a_center_is_audited_with_who_and_values(app, client, people):
    _center, root, _boss = people
    login(client, "root")
    response = client.post("/admin/centers/new", data={
        "code": "kp-02", "name_en": "Kampot CTC", "name_km": "មជ្ឈមណ្ឌលកំពត",
        "province_code": "07", "address": "", "phone": "",
    })
    assert response.status_code == 302
    with app.app_context():
        new_id = db.session.execute(db.select(Center.id).filter_by(code="KP-02")).scalar_one()
    [row] = rows(app, object_type="center", center_id=new_id)
    assert row["action"] == "create" and row["user_id"] == root
    assert row["object_id"] == str(new_id)
    assert row["changes"]["code"] == "KP-02" and row["changes"]["name_en"] == "Kampot CTC"


def test_creating_a_user_and_granting_a_role_are_audited(app, client, people):
    center, _root, boss = people
    login(client, "boss")
    response = client.post("/staff", data={
        "new-username": "vanna", "new-full_name": "Vanna", "new-email": "",
        "new-password": "long-enough-password", "new-role": "clerk", "new-submit": "1",
    })
    assert response.status_code == 302
    [created] = [r for r in rows(app, object_type="user_account")
                 if r["changes"].get("username") == "vanna"]
    assert created["action"] == "create" and created["user_id"] == boss
    assert created["center_id"] == center
    assert created["changes"]["is_deployer"] is False
    assert "password" not in str(created["changes"])
    [grant] = [r for r in rows(app, action="grant") if r["changes"]["user"] == "vanna"]
    assert grant == {**grant, "user_id": boss, "center_id": center,
                     "object_type": "membership"}
    assert grant["changes"]["role"] == "clerk"


def test_toggling_a_plugin_is_audited_from_ui_and_cli(app, client, people):
    from core.cli import cli

    center, root, _boss = people
    name = next(n for n in app.extensions["ctc"].order
                if not app.extensions["ctc"].dependents(n))
    login(client, "root")
    client.post(f"/admin/centers/{center}/plugins/{name}", data={"enabled": "0"})
    [row] = rows(app, action="plugin_disabled")
    assert row["user_id"] == root and row["center_id"] == center
    assert row["object_type"] == "center_plugin" and row["object_id"] == name
    assert row["changes"] == {"plugin": name, "enabled": False}
    result = app.test_cli_runner().invoke(cli, ["plugins", "enable", name, "--center", "AD-01"])
    assert result.exit_code == 0, result.output
    [row] = rows(app, action="plugin_enabled")
    assert row["user_id"] is None and row["center_id"] == center  # the CLI has no user
    assert row["changes"] == {"plugin": name, "enabled": True}


def _seed(app, center, boss):
    from core import audit

    with app.app_context():
        db.session.add_all([
            AuditLog(at=utcnow() - timedelta(days=10), user_id=boss, center_id=center,
                     action="void", object_type="postal_sale", object_id="7",
                     changes={"old": "seed-old-void"}),
            AuditLog(at=utcnow(), user_id=None, center_id=center, action="print",
                     object_type="certificate", object_id="9", changes={"n": "seed-print"}),
        ])
        audit.record("void", center_id=center, object_type="certificate", object_id="8",
                     changes={"n": "seed-new-void"})
        db.session.commit()


def test_viewer_filters_by_action_type_user_and_dates(app, client, people):
    center, _root, boss = people
    _seed(app, center, boss)
    login(client, "boss")

    def shown(**params):
        html = client.get("/audit", query_string=params, headers=EN).get_data(as_text=True)
        return {m for m in ("seed-old-void", "seed-print", "seed-new-void") if m in html}

    assert shown() == {"seed-old-void", "seed-print", "seed-new-void"}
    assert shown(action="void") == {"seed-old-void", "seed-new-void"}
    assert shown(object_type="certificate") == {"seed-print", "seed-new-void"}
    assert shown(user="boss") == {"seed-old-void"}
    today = utcnow().date()
    assert shown(since=(today - timedelta(days=2)).isoformat()) == {"seed-print",
                                                                     "seed-new-void"}
    assert shown(until=(today - timedelta(days=5)).isoformat()) == {"seed-old-void"}
    assert shown(action="void", object_type="certificate") == {"seed-new-void"}
    page = client.get("/audit", query_string={"since": "not-a-date"}, headers=EN)
    assert page.status_code == 200 and "YYYY-MM-DD" in page.get_data(as_text=True)


def test_viewer_needs_the_permission(app, client, people):
    center, _root, _boss = people
    Factory(app).user("clerk", center_id=center, role="clerk")
    login(client, "clerk")
    assert client.get("/audit").status_code == 403


def test_audit_rows_cannot_be_changed_through_the_orm(app, people):
    center, _root, boss = people
    _seed(app, center, boss)
    with app.app_context():
        row = db.session.execute(db.select(AuditLog).limit(1)).scalar_one()
        row.action = "forged"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        row = db.session.execute(db.select(AuditLog).limit(1)).scalar_one()
        db.session.delete(row)
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.execute(sa.update(AuditLog).values(action="forged"))
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.execute(sa.delete(AuditLog))
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.query(AuditLog).filter(AuditLog.center_id == center).delete()
        db.session.rollback()
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "forged")
        ) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) >= 3


def test_the_database_refuses_raw_sql_changes_to_audit_rows(app, people):
    center, _root, boss = people
    _seed(app, center, boss)
    with app.app_context():
        for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM audit_log")) >= 3


def test_audited_models_record_create_update_delete_with_values(make_app):
    """A plugin's model that inherits Audited is recorded on every flush, nothing else to do."""
    from tests.core.throwaway.fixtures import installed
    from tests.core.throwaway.models import note_model

    with installed(make_app) as app:
        factory = Factory(app)
        center = factory.center("NT-01")
        factory.user("writer", center_id=center)
        with app.test_request_context():
            from flask_login import login_user

            from core.auth.models import User

            login_user(db.session.execute(db.select(User).filter_by(username="writer"))
                       .scalar_one())
            Note = note_model()  # noqa: N806
            note = Note(center_id=center, text="first words")
            db.session.add(note)
            db.session.commit()
            note.text = "second words"
            db.session.commit()
            db.session.delete(note)
            db.session.commit()
            note_id = str(note.id)
        found = [r for r in rows(app, object_type="throwaway_note") if r["object_id"] == note_id]
    user_id = found[0]["user_id"]
    assert [r["action"] for r in found] == ["create", "update", "delete"]
    assert all(r["center_id"] == center and r["user_id"] == user_id for r in found)
    assert user_id is not None
    assert found[0]["changes"]["text"] == "first words"
    assert found[1]["changes"] == {"text": ["first words", "second words"]}
    assert found[2]["changes"]["text"] == "second words"


def test_editing_a_center_records_the_changed_values(app, client, people):
    center, root, _boss = people
    login(client, "root")
    response = client.post(f"/admin/centers/{center}/edit", data={
        "code": "AD-01", "name_en": "Renamed Center", "name_km": "មជ្ឈមណ្ឌល AD-01",
        "province_code": "12", "address": "Street 1", "phone": "",
    })
    assert response.status_code == 302
    [row] = rows(app, action="update", object_type="center")
    assert row["user_id"] == root and row["center_id"] == center
    assert row["changes"]["name_en"] == ["Center AD-01", "Renamed Center"]
    assert row["changes"]["address"] == ["", "Street 1"]
    assert "name_km" not in row["changes"] and "code" not in row["changes"]
