"""Repair tickets, parts from stock, downtime, and preventive maintenance."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import clock
from core.extensions import db
from plugins.inventory import repairs, services, stock
from tests.plugins.inventory.conftest import asset_data


def test_ticket_flow_moves_the_asset_in_and_out_of_service(ctx):
    center, officer = ctx
    asset = services.create_asset(db.session, center, asset_data(serial="R1"))
    ram = stock.save_consumable(db.session, center, code="RAM", name="RAM 8 GB", unit="stick")
    stock.receive(db.session, center, ram, "store", 2)
    ticket = repairs.open_ticket(db.session, center, asset, problem="No display",
                                 priority="high", technician=officer, user=officer)
    db.session.commit()
    assert ticket.number == "PP-01-R00001" and asset.status == "under_repair"
    with pytest.raises(services.InventoryError):
        repairs.advance(db.session, ticket, "closed")
    repairs.advance(db.session, ticket, "diagnosing", user=officer)
    repairs.advance(db.session, ticket, "waiting_parts", user=officer)
    move = repairs.use_part(db.session, ticket, ram, "store", 1, user=officer)
    assert move.kind == "issue" and move.quantity == -1 and move.ticket_id == ticket.id
    assert stock.stock_of(db.session, ram, "store") == 1
    repairs.advance(db.session, ticket, "repaired", resolution="Replaced RAM", cost_minor=2500)
    assert asset.status == "in_service" and ticket.resolved_at is not None
    repairs.advance(db.session, ticket, "closed")
    db.session.commit()
    assert ticket.downtime() == ticket.resolved_at - ticket.reported_at
    with pytest.raises(services.InventoryError):
        repairs.use_part(db.session, ticket, ram, "store", 1)


def test_unrepairable_asset_is_retired_when_the_ticket_closes(ctx):
    center, _ = ctx
    asset = services.create_asset(db.session, center, asset_data())
    ticket = repairs.open_ticket(db.session, center, asset, problem="Burnt board")
    repairs.advance(db.session, ticket, "diagnosing")
    repairs.advance(db.session, ticket, "unrepairable")
    assert asset.condition == "broken" and asset.status == "under_repair"
    repairs.advance(db.session, ticket, "closed")
    assert asset.status == "retired"


def test_a_lent_asset_must_come_back_before_repair(ctx):
    center, officer = ctx
    from plugins.inventory import loans

    asset = services.create_asset(db.session, center, asset_data())
    loans.check_out(db.session, center, asset, borrower_kind="community", borrower_name="X",
                    due_on=clock.today(center), condition_out="good")
    with pytest.raises(services.InventoryError):
        repairs.open_ticket(db.session, center, asset, problem="Cracked screen")


def test_maintenance_due_opens_tickets_once(ctx):
    center, officer = ctx
    old = services.create_asset(db.session, center, asset_data(purchase_date="2025-01-01"))
    new = services.create_asset(db.session, center, asset_data(purchase_date=date.today().isoformat()))
    services.create_asset(db.session, center, asset_data(category="projector",
                                                         purchase_date="2020-01-01"))
    repairs.save_plan(db.session, center, category="desktop", every_days=90, task="Clean fans")
    opened = repairs.maintenance_due(db.session, center, user=officer)
    assert [t.asset_id for t in opened] == [old.id]
    assert opened[0].kind == "preventive" and old.status == "in_service"
    assert repairs.maintenance_due(db.session, center) == []
    # once the visit is done, the next is due 90 days after it
    for status in ("diagnosing", "repaired", "closed"):
        repairs.advance(db.session, opened[0], status)
    assert repairs.maintenance_due(db.session, center) == []
    later = clock.today(center) + timedelta(days=91)
    due_later = repairs.maintenance_due(db.session, center, today=later)
    assert sorted(t.asset_id for t in due_later) == sorted([old.id, new.id])


def test_maintenance_command(app, ctx):
    center, _ = ctx
    services.create_asset(db.session, center, asset_data(purchase_date="2024-01-01"))
    repairs.save_plan(db.session, center, category="desktop", every_days=30)
    db.session.commit()
    from core.cli import cli

    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["inventory", "maintenance-due", "--center", "pp-01"])
    assert result.exit_code == 0, result.output
    assert "1 maintenance ticket(s) opened at PP-01" in result.output
    result = runner.invoke(cli, ["inventory", "maintenance-due", "--center", "NOPE"])
    assert result.exit_code != 0


def test_an_asset_stays_under_repair_while_another_ticket_is_open(ctx):
    """Decision: a second repair ticket is allowed; the asset goes back in service only
    when the last open repair ticket is repaired."""
    center, _ = ctx
    asset = services.create_asset(db.session, center, asset_data())
    screen = repairs.open_ticket(db.session, center, asset, problem="Screen flickers")
    keyboard = repairs.open_ticket(db.session, center, asset, problem="Keyboard dead")
    visit = repairs.open_ticket(db.session, center, asset, problem="Clean fans", kind="preventive")
    assert asset.status == "under_repair"
    repairs.advance(db.session, screen, "repaired")
    assert asset.status == "under_repair"
    repairs.advance(db.session, screen, "closed")
    repairs.advance(db.session, visit, "repaired")  # a maintenance visit frees nothing either
    assert asset.status == "under_repair"
    with pytest.raises(services.InventoryError):
        services.update_asset(db.session, asset, asset_data(status="in_service"))
    repairs.advance(db.session, keyboard, "repaired")
    assert asset.status == "in_service"


def test_maintenance_command_for_all_centers(app, ctx, factory):
    from core.cli import cli
    from core.plugins import set_plugin_enabled
    from core.tenancy import Center

    center, _ = ctx
    other_id, off_id = factory.center("SR-01"), factory.center("KD-01")  # before any write
    services.create_asset(db.session, center, asset_data(purchase_date="2024-01-01"))
    repairs.save_plan(db.session, center, category="desktop", every_days=30)
    other = db.session.get(Center, other_id)
    services.create_asset(db.session, other, asset_data(purchase_date="2024-01-01"))
    repairs.save_plan(db.session, other, category="desktop", every_days=30)
    off = db.session.get(Center, off_id)
    services.create_asset(db.session, off, asset_data(purchase_date="2024-01-01"))
    repairs.save_plan(db.session, off, category="desktop", every_days=30)
    set_plugin_enabled(off, "inventory", False)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["inventory", "maintenance-due", "--all-centers", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 ticket(s) due at PP-01 (dry run" in result.output
    result = runner.invoke(cli, ["inventory", "maintenance-due", "--all-centers"])
    assert result.exit_code == 0, result.output
    assert "1 maintenance ticket(s) opened at PP-01" in result.output
    assert "1 maintenance ticket(s) opened at SR-01" in result.output
    assert "KD-01" not in result.output
    result = runner.invoke(cli, ["inventory", "maintenance-due", "--all-centers"])
    assert "0 maintenance ticket(s) opened at PP-01" in result.output
    for args in ([], ["--center", "PP-01", "--all-centers"]):
        result = runner.invoke(cli, ["inventory", "maintenance-due", *args])
        assert result.exit_code != 0
