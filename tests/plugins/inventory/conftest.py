"""Fixtures of the inventory tests: a center with a lab officer, and service helpers."""

from __future__ import annotations

import pytest

from core.extensions import db


@pytest.fixture(autouse=True)
def _photos_in_tmp(app, tmp_path):
    app.config["INVENTORY_PHOTO_DIR"] = str(tmp_path / "photos")


@pytest.fixture
def center_id(factory):
    return factory.center("PP-01")


@pytest.fixture
def officer_id(factory, center_id):
    return factory.user("sophea", center_id=center_id, role="lab_officer")


@pytest.fixture
def ctx(app, center_id, officer_id):
    """An app context with the center and the officer loaded: (center, officer)."""
    from core.auth.models import User
    from core.tenancy import Center

    with app.app_context():
        yield db.session.get(Center, center_id), db.session.get(User, officer_id)


def asset_data(**overrides) -> dict:
    data = {"category": "desktop", "make": "Dell", "model": "OptiPlex 3000", "serial": "",
            "location": "computer_lab", "condition": "good", "cost": "450.00", "currency": "USD"}
    data.update(overrides)
    return data


def lab_csv(n: int = 20, *, start: int = 1) -> str:
    lines = ["category,make,model,serial,location,condition,purchase_date,cost,currency,"
             "funding_source,warranty_end,custodian,notes"]
    for i in range(start, start + n):
        lines.append(f"desktop,Dell,OptiPlex 3000,SN-{i:04d},computer_lab,new,2026-01-15,450.00,USD,"
                     f"Ministry grant 2026,2029-01-15,,Seat {i}")
    return "\n".join(lines) + "\n"
