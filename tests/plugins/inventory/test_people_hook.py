"""Trainees come through the ``ctc_find_people`` hook: no import of the training plugin."""

from __future__ import annotations

from datetime import date, timedelta

from core.extensions import db
from plugins.inventory.models import Loan, RepairTicket
from tests.conftest import Factory, login
from tests.plugins.inventory import fake_people

EN = {"Accept-Language": "en"}


def test_lend_to_a_trainee_and_assign_a_repair_trainee_found_through_the_hook(make_app):
    app = make_app(CTC_EXTRA_PLUGINS=["tests.plugins.inventory.fake_people"])
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    factory = Factory(app)
    center_id = factory.center("PP-01")
    factory.user("sophea", center_id=center_id, role="lab_officer")
    client = app.test_client()
    login(client, "sophea")
    client.post("/inventory/assets/new", headers=EN, data={
        "category": "laptop", "location": "store", "condition": "good", "status": "in_service",
        "currency": "USD"})
    with app.app_context():
        from plugins.inventory.models import Asset

        asset_id = db.session.execute(db.select(Asset.id)).scalar_one()
    fake_people.CALLS.clear()
    page = client.get(f"/inventory/assets/{asset_id}/checkout?q=dara", headers=EN)
    assert "Sok Dara · Repair course 2026" in page.get_data(as_text=True)
    assert fake_people.CALLS == [("PP-01", "dara", "loan")]
    response = client.post(f"/inventory/assets/{asset_id}/checkout?q=dara", headers=EN, data={
        "borrower_kind": "trainee", "borrower_ref": "training:trainee:loan-7",
        "due_on": (date.today() + timedelta(days=3)).isoformat(), "condition_out": "good"})
    assert response.status_code == 302
    with app.app_context():
        loan = db.session.execute(db.select(Loan)).scalar_one()
        assert (loan.borrower_kind, loan.borrower_ref, loan.borrower_name) == (
            "trainee", "training:trainee:loan-7", "Sok Dara")
        loan_id = loan.id
    client.post(f"/inventory/loans/{loan_id}/checkin", data={"condition_in": "good"})
    client.post(f"/inventory/assets/{asset_id}/repair", data={"problem": "Hinge", "priority": "low"})
    with app.app_context():
        ticket_id = db.session.execute(db.select(RepairTicket.id)).scalar_one()
    url = f"/inventory/repairs/{ticket_id}?q=dara"
    assert "Sok Dara" in client.get(url, headers=EN).get_data(as_text=True)
    client.post(url, data={"action": "assign", "as-technician_id": "",
                           "as-trainee_ref": "training:trainee:repair_trainee-7"})
    with app.app_context():
        ticket = db.session.get(RepairTicket, ticket_id)
        assert (ticket.trainee_ref, ticket.trainee_name) == ("training:trainee:repair_trainee-7",
                                                             "Sok Dara")
    assert ("PP-01", "dara", "repair_trainee") in fake_people.CALLS
