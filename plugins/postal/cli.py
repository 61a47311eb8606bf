"""``ctc postal ...``: the deployer's S10 range allocation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from core.extensions import db


@click.group("postal")
def postal_group():
    """Post office counter: S10 ranges."""


@postal_group.command("s10-range")
@click.option("--center", "center_code", required=True, help="center code, e.g. PP-01")
@click.option("--indicator", required=True, help="service indicator: RR, EE, CP...")
@click.option("--start", type=int, required=True, help="first serial (0-99999999)")
@click.option("--end", type=int, required=True, help="last serial, inclusive")
@with_appcontext
def s10_range(center_code, indicator, start, end):
    """Allocate S10 serials START..END for INDICATOR to a center."""
    from core.cli import _center
    from core.plugins import plugin_enabled
    from plugins.postal.services_items import allocate_range

    center = _center(center_code)
    if not plugin_enabled("postal", center):
        raise click.ClickException(f"the post office counter is off at {center.code}")
    try:
        with force_locale("en"):  # the CLI speaks English (the app's default locale is km)
            row = allocate_range(db.session, center, indicator, start, end)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{center.code}: {row.indicator} {row.start:08d}-{row.end:08d} allocated "
               f"({row.end - row.start + 1} numbers)")


@postal_group.command("s10-ranges")
@click.option("--center", "center_code", default=None)
@with_appcontext
def s10_ranges(center_code):
    """List the S10 ranges and what is left of them."""
    from core.cli import _center
    from core.tenancy import Center
    from plugins.postal.models import S10Range

    query = db.select(S10Range).order_by(S10Range.center_id, S10Range.indicator, S10Range.start)
    if center_code:
        query = query.where(S10Range.center_id == _center(center_code).id)
    for row in db.session.execute(query).scalars():
        center = db.session.get(Center, row.center_id)
        click.echo(f"{center.code}\t{row.indicator}\t{row.start:08d}-{row.end:08d}\t"
                   f"next {row.next_serial:08d}\tleft {row.remaining}")
