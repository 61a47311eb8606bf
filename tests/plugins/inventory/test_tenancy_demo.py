"""Demo data (idempotent, every kind of record) and the wall between centers."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.extensions import db
from plugins.inventory.models import MODELS
from tests.conftest import login


def _load_demo(app):
    from core import demo

    with app.app_context():
        demo.load()
        db.session.commit()


def _counts(app):
    with app.app_context():
        return {m.__tablename__: db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar()
                for m in MODELS}


def test_demo_data_is_idempotent_and_covers_every_table(app):
    _load_demo(app)
    first = _counts(app)
    _load_demo(app)
    assert _counts(app) == first
    empty = [name for name, n in first.items() if n == 0]
    assert empty == []


def test_another_centers_records_are_404_and_unchanged(app, client, factory):
    _load_demo(app)
    with app.app_context():
        from core.tenancy import Center

        pp = db.session.execute(sa.select(Center).where(Center.code == "PP-01")).scalar_one()
        sr = db.session.execute(sa.select(Center).where(Center.code == "SR-01")).scalar_one()
        ids = {}
        for model in MODELS:
            row = db.session.execute(sa.select(model.id).where(model.center_id == pp.id)).first()
            ids[model.__tablename__] = row[0] if row else 999999
        sr_id = sr.id
    factory.user("sr-officer", center_id=sr_id, role="manager")
    login(client, "sr-officer")
    before = _counts(app)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("inventory.")
             and any(a.endswith("_id") for a in r.arguments)]
    assert len(rules) >= 12
    param_table = {"asset_id": "inventory_asset", "photo_id": "inventory_asset_photo",
                   "loan_id": "inventory_loan", "ticket_id": "inventory_repair_ticket",
                   "consumable_id": "inventory_consumable", "take_id": "inventory_stock_take"}
    for rule in rules:
        values = {a: ids[param_table[a]] for a in rule.arguments if a.endswith("_id")}
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: str(v[m.group(1)]), rule.rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"action": "status"})
            assert response.status_code == 404, (method, url, response.status_code)
    assert _counts(app) == before
