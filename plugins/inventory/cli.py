"""``ctc inventory ...``: the lab officer's commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("inventory")
def inventory_group():
    """Lab inventory: maintenance that falls due."""


@inventory_group.command("maintenance-due")
@click.option("--center", "code", help="the center's code, e.g. PP-01")
@click.option("--all-centers", is_flag=True,
              help="every active center where the inventory plugin is enabled (for cron)")
@click.option("--dry-run", is_flag=True, help="list what is due without opening tickets")
@with_appcontext
def maintenance_due_command(code, all_centers, dry_run):
    """Open a preventive maintenance ticket for every asset whose plan says it is due."""
    from core.extensions import db
    from core.plugins import plugin_enabled
    from core.tenancy import Center

    if bool(code) == bool(all_centers):
        raise click.UsageError("give either --center CODE or --all-centers")
    if all_centers:
        query = db.select(Center).where(Center.active.is_(True)).order_by(Center.code)
        centers = [c for c in db.session.execute(query).scalars()
                   if plugin_enabled("inventory", c)]
        if not centers:
            click.echo("no center has the inventory plugin enabled")
        for center in centers:
            _maintenance_at(center, dry_run)
        return
    center = db.session.execute(
        db.select(Center).where(Center.code == code.strip().upper())).scalar_one_or_none()
    if center is None:
        raise click.ClickException(f"no center with the code {code!r}")
    if not plugin_enabled("inventory", center):
        raise click.ClickException(f"the inventory plugin is switched off at {center.code}")
    _maintenance_at(center, dry_run)


def _maintenance_at(center, dry_run: bool) -> None:
    from core.extensions import db
    from plugins.inventory.repairs import maintenance_due

    tickets = maintenance_due(db.session, center)
    for ticket in tickets:
        click.echo(f"{ticket.number}  {ticket.asset.tag}  {ticket.problem}")
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(tickets)} ticket(s) due at {center.code} (dry run: nothing opened)")
    else:
        db.session.commit()
        click.echo(f"{len(tickets)} maintenance ticket(s) opened at {center.code}")
