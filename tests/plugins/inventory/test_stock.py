"""Consumables: stock is the sum of movements, before and after a stock-take."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from plugins.inventory import services, stock
from plugins.inventory.models import StockMovement


def _sum(item, location=None):
    query = sa.select(sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)).where(
        StockMovement.consumable_id == item.id)
    if location:
        query = query.where(StockMovement.location == location)
    return db.session.execute(query).scalar()


@pytest.fixture
def paper(ctx):
    center, _ = ctx
    return stock.save_consumable(db.session, center, code="paper-a4", name="A4 paper",
                                 unit="ream", reorder_level=5)


def test_movements_make_the_stock(ctx, paper):
    center, officer = ctx
    stock.receive(db.session, center, paper, "store", 20, user=officer)
    stock.issue(db.session, center, paper, "store", 3, reason="lab printer", user=officer)
    stock.transfer(db.session, center, paper, "store", "computer_lab", 4, user=officer)
    stock.adjust(db.session, center, paper, "store", -1, reason="water damage", user=officer)
    db.session.commit()
    assert paper.code == "PAPER-A4"
    assert stock.stock_of(db.session, paper, "store") == 12 == _sum(paper, "store")
    assert stock.stock_of(db.session, paper, "computer_lab") == 4
    assert stock.stock_of(db.session, paper) == 16 == _sum(paper)
    with pytest.raises(services.InventoryError):
        stock.issue(db.session, center, paper, "computer_lab", 5)
    with pytest.raises(services.InventoryError):
        stock.adjust(db.session, center, paper, "store", 2, reason=" ")
    with pytest.raises(services.InventoryError):
        stock.receive(db.session, center, paper, "store", 0)


def test_movements_are_never_changed(ctx, paper):
    center, _ = ctx
    move = stock.receive(db.session, center, paper, "store", 5)
    db.session.commit()
    move.quantity = 50
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(move)
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


def test_stock_take_posts_differences_and_stock_equals_movements(ctx, paper):
    center, officer = ctx
    toner = stock.save_consumable(db.session, center, code="TONER", name="Toner", unit="pc")
    cable = stock.save_consumable(db.session, center, code="CABLE", name="Cable", unit="pc")
    stock.receive(db.session, center, paper, "store", 10)
    stock.receive(db.session, center, toner, "store", 3)
    stock.receive(db.session, center, cable, "store", 7)
    take = stock.start_stock_take(db.session, center, "store", user=officer)
    with pytest.raises(services.InventoryError):
        stock.start_stock_take(db.session, center, "store")
    lines = {line.consumable.code: line for line in take.lines}
    assert lines["PAPER-A4"].expected == 10
    # a movement between the count sheet and the posting is taken into account
    stock.issue(db.session, center, paper, "store", 2)
    stock.record_counts(db.session, take, {lines["PAPER-A4"].id: (7, "torn reams"),
                                           lines["TONER"].id: (5, ""),
                                           lines["CABLE"].id: (None, "")})
    with pytest.raises(services.InventoryError):  # toner differs without a reason
        stock.post_stock_take(db.session, take, user=officer)
    stock.record_counts(db.session, take, {lines["TONER"].id: (5, "found in lab cupboard")})
    posted = stock.post_stock_take(db.session, take, user=officer)
    db.session.commit()
    assert sorted(m.quantity for m in posted) == [-1, 2]
    assert all(m.kind == "adjust" and m.stock_take_id == take.id and m.reason for m in posted)
    assert stock.stock_of(db.session, paper, "store") == 7 == _sum(paper, "store")
    assert stock.stock_of(db.session, toner, "store") == 5 == _sum(toner, "store")
    assert stock.stock_of(db.session, cable, "store") == 7 == _sum(cable, "store")
    assert take.status == "posted"
    with pytest.raises(services.InventoryError):
        stock.post_stock_take(db.session, take)


def test_low_stock_lists_items_at_or_under_their_reorder_level(ctx, paper):
    center, _ = ctx
    assert [c.code for c, _q in stock.low_stock(db.session, center)] == ["PAPER-A4"]
    stock.receive(db.session, center, paper, "store", 6)
    assert stock.low_stock(db.session, center) == []
    stock.issue(db.session, center, paper, "store", 1)
    assert [(c.code, q) for c, q in stock.low_stock(db.session, center)] == [("PAPER-A4", 5)]


def test_stock_take_ticks_the_assets_registered_at_the_location(ctx):
    import sqlalchemy as sa

    from plugins.inventory.models import AssetEvent
    from tests.plugins.inventory.conftest import asset_data

    center, officer = ctx
    pcs = [services.create_asset(db.session, center, asset_data()) for _ in range(3)]
    services.create_asset(db.session, center, asset_data(location="store"))
    take = stock.start_stock_take(db.session, center, "computer_lab", user=officer)
    assert [line.asset_id for line in take.asset_lines] == [a.id for a in pcs]
    seen = {line.id for line in take.asset_lines if line.asset_id != pcs[1].id}
    stock.record_counts(db.session, take, {}, seen)
    stock.post_stock_take(db.session, take, user=officer)
    db.session.commit()
    events = db.session.execute(sa.select(AssetEvent).where(AssetEvent.action == "not_seen")
                                ).scalars().all()
    assert [(e.asset_id, e.user_id) for e in events] == [(pcs[1].id, officer.id)]
    assert pcs[1].status == "in_service"  # the officer decides whether it is lost


def test_an_adjustment_never_takes_the_stock_below_zero(ctx, paper):
    from flask_babel import force_locale

    center, _ = ctx
    stock.receive(db.session, center, paper, "store", 3)
    stock.receive(db.session, center, paper, "computer_lab", 10)
    with pytest.raises(services.InventoryError) as err:
        stock.adjust(db.session, center, paper, "store", -4, reason="miscount")
    with force_locale("en"):
        assert err.value.field == "quantity" and "below zero" in str(err.value)
    stock.adjust(db.session, center, paper, "store", -3, reason="water damage")
    assert stock.stock_of(db.session, paper, "store") == 0
    with pytest.raises(services.InventoryError):
        stock.adjust(db.session, center, paper, "public_hall", -1, reason="miscount")
    assert stock.stock_of(db.session, paper) == 10


def test_the_database_refuses_changing_a_movement(ctx, paper):
    """The migration's triggers refuse what the ORM refuses, even past the ORM: UPDATE on
    both backends, and DELETE."""
    from sqlalchemy.exc import DatabaseError

    center, _ = ctx
    move = stock.receive(db.session, center, paper, "store", 5)
    db.session.commit()
    move_id = move.id
    with pytest.raises(DatabaseError, match="never changed"):
        db.session.connection().execute(sa.update(StockMovement).where(StockMovement.id == move_id)
                           .values(quantity=50))
    db.session.rollback()
    with pytest.raises(DatabaseError, match="never changed"):
        db.session.connection().execute(sa.delete(StockMovement).where(StockMovement.id == move_id))
    db.session.rollback()
    assert db.session.execute(sa.select(StockMovement.quantity).where(
        StockMovement.id == move_id)).scalar_one() == 5
