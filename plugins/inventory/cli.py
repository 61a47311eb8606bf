"""``ctc inventory ...``: the lab officer's commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("inventory")
def inventory_group():
    """Lab inventory: maintenance that falls due."""


@inventory_group.command("maintenance-due")
@click.option("--center", "code", required=True, help="the center's code, e.g. PP-01")
@click.option("--dry-run", is_flag=True, help="list what is due without opening tickets")
@with_appcontext
def maintenance_due_command(code, dry_run):
    """Open a preventive maintenance ticket for every asset whose plan says it is due."""
    from core.extensions import db
    from core.plugins import plugin_enabled
    from core.tenancy import Center
    from plugins.inventory.repairs import maintenance_due

    center = db.session.execute(
        db.select(Center).where(Center.code == code.strip().upper())).scalar_one_or_none()
    if center is None:
        raise click.ClickException(f"no center with the code {code!r}")
    if not plugin_enabled("inventory", center):
        raise click.ClickException(f"the inventory plugin is switched off at {center.code}")
    tickets = maintenance_due(db.session, center)
    for ticket in tickets:
        click.echo(f"{ticket.number}  {ticket.asset.tag}  {ticket.problem}")
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(tickets)} ticket(s) due (dry run: nothing opened)")
    else:
        db.session.commit()
        click.echo(f"{len(tickets)} maintenance ticket(s) opened at {center.code}")
