"""Printed documents: asset tags (one, or an A4 sheet of many, as ONE PDF) and the
stock-take count sheet."""

from __future__ import annotations

from flask import abort, request, url_for

from core import clock
from core.auth import permission_required
from core.documents import PageFormat, render_batch, render_pdf
from core.downloads import pdf_response
from core.extensions import db
from core.i18n import local_name
from core.tenancy import get_or_404, require_center
from plugins.inventory import stock
from plugins.inventory.constants import CATEGORIES, LOCATIONS, label
from plugins.inventory.models import Asset, StockTake
from plugins.inventory.views import bp, filtered_assets

# One tag on its own: a 70 × 36 mm label (the size of a cell of the A4 sheet, roughly).
SINGLE_TAG = PageFormat("inventory-tag", 70, 36, (1.5, 1.5, 1.5, 1.5), 8,
                        title="Asset tag 70 × 36 mm")
MAX_TAGS = 2400  # 100 A4 sheets


def tag_context(asset: Asset, center, url: str) -> dict:
    """What one tag prints. ``url`` is the asset's page, which the QR code opens."""
    return {
        "center_name": local_name(center),
        "center_code": center.code,
        "tag": asset.tag,
        "title": " ".join(x for x in (asset.make, asset.model) if x) or label(CATEGORIES, asset.category),
        "category": label(CATEGORIES, asset.category),
        "serial": asset.serial,
        "url": url,
    }


@bp.route("/assets/<int:asset_id>/tag.pdf")
@permission_required("inventory.manage")
def asset_tag(asset_id: int):
    center = require_center()
    asset = get_or_404(Asset, asset_id)
    url = url_for("inventory.asset_view", asset_id=asset.id, _external=True)
    data = render_batch("inventory/tag.html", [tag_context(asset, center, url)], SINGLE_TAG)
    return pdf_response(data, f"tag-{asset.tag}.pdf")


@bp.route("/tags.pdf")
@permission_required("inventory.manage")
def tag_sheet():
    """An A4 sheet (or several) of tags: the assets picked (``ids``) or the register's
    current filters; ``skip`` leaves that many cells empty to reuse a started sheet."""
    center = require_center()
    assets = db.session.execute(filtered_assets(center).limit(MAX_TAGS + 1)).scalars().all()
    if not assets:
        abort(404)
    if len(assets) > MAX_TAGS:
        abort(413)
    skip = max(0, min(request.args.get("skip", 0, type=int), 23))
    contexts = [{"blank": True} for _ in range(skip)]
    contexts += [tag_context(a, center, url_for("inventory.asset_view", asset_id=a.id,
                                                _external=True)) for a in assets]
    data = render_batch("inventory/tag.html", contexts, "a4-label-sheet")
    return pdf_response(data, f"tags-{center.code}.pdf")


def count_sheet_context(take: StockTake, center) -> dict:
    """What the stock-take count sheet prints."""
    return {
        "center_name": local_name(center), "take": take,
        "started": clock.to_local(take.started_at, center).strftime("%Y-%m-%d %H:%M"),
        "location": label(LOCATIONS, take.location),
        "lines": [{"code": line.consumable.code, "name": line.consumable.name,
                   "unit": line.consumable.unit, "expected": line.expected,
                   "counted": line.counted,
                   "now": stock.stock_of(db.session, line.consumable, take.location)}
                  for line in take.lines],
        "assets": [{"tag": line.asset.tag, "category": label(CATEGORIES, line.asset.category),
                    "title": " ".join(x for x in (line.asset.make, line.asset.model) if x),
                    "serial": line.asset.serial, "seen": line.seen}
                   for line in take.asset_lines],
    }


@bp.route("/stocktakes/<int:take_id>/sheet.pdf")
@permission_required("inventory.stock")
def stocktake_sheet(take_id: int):
    center = require_center()
    take = get_or_404(StockTake, take_id)
    return pdf_response(render_pdf("inventory/count_sheet.html", count_sheet_context(take, center),
                                   "a4-portrait"), f"count-sheet-{take.id}.pdf")
