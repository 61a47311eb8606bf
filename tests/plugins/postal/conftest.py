"""Fixtures of the postal tests: a center with the demo catalogue, a clerk, a manager."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.extensions import db


@dataclass
class Counter:
    app: object
    center_id: int
    clerk_id: int
    manager_id: int

    @property
    def center(self):
        from core.tenancy import Center

        return db.session.get(Center, self.center_id)

    @property
    def clerk(self):
        from core.auth.models import User

        return db.session.get(User, self.clerk_id)

    @property
    def manager(self):
        from core.auth.models import User

        return db.session.get(User, self.manager_id)

    def service(self, code):
        from plugins.postal.models import PostalService

        return db.session.execute(db.select(PostalService).filter_by(
            center_id=self.center_id, code=code)).scalar_one()

    def goods(self, code):
        from plugins.postal.models import Goods

        return db.session.execute(db.select(Goods).filter_by(
            center_id=self.center_id, code=code)).scalar_one()


def make_counter(app, factory, code="PP-01", prefix="", users=True) -> Counter:
    """A center with the demo catalogue, tariff, S10 ranges and a rate of 4,100 riel."""
    from plugins.postal import demo

    center_id = factory.center(code)
    with app.app_context():
        from core.tenancy import Center

        demo.load(db.session.get(Center, center_id), db.session)  # no member yet: no sales
        db.session.commit()
    if not users:
        return Counter(app, center_id, 0, 0)
    clerk = factory.user(prefix + "clerk", center_id=center_id, role="clerk")
    manager = factory.user(prefix + "boss", center_id=center_id, role="manager")
    return Counter(app, center_id, clerk, manager)


@pytest.fixture
def counter(app, factory):
    return make_counter(app, factory)


@pytest.fixture
def catalogue(app, factory):
    """The center and its catalogue, no users (pricing needs none); messages in English."""
    made = make_counter(app, factory, users=False)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield made


@pytest.fixture
def ctx(app, counter):
    """Services called as a view would: inside a request, messages in English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield counter


SENDER = {"sender_name": "Sok Dara", "sender_phone": "012 345 678",
          "sender_province": "12", "sender_district": "1201", "sender_commune": "120101"}
ADDRESSEE = {"addressee_name": "Chan Sreymom", "addressee_phone": "017 888 999",
             "addressee_country": "KH", "addressee_province": "12",
             "addressee_district": "1201", "addressee_commune": "120101"}
