"""Demo data for one center: a small lab, consumables, a loan, a repair, a stock-take.

Idempotent: assets are found again by serial, consumables by code, and the other records
only come once (when the center has none of their kind yet).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from core import clock
from plugins.inventory import loans, repairs, stock
from plugins.inventory.models import Asset, Consumable, Loan, RepairTicket, StockMovement, StockTake
from plugins.inventory.services import add_photo, create_asset

CONSUMABLES = [
    ("PAPER-A4", "A4 paper (80 g)", "ream", 10),
    ("TONER-85A", "Toner cartridge HP 85A", "cartridge", 2),
    ("CABLE-CAT6", "Network cable Cat6, 2 m", "cable", 10),
    ("RAM-DDR4-8", "Memory DDR4 8 GB", "stick", 2),
]


def _assets(center) -> list[dict]:
    rows = []
    for n in range(1, 9):
        rows.append(dict(category="desktop", make="Dell", model="OptiPlex 3000",
                         serial=f"DEMO-{center.code}-PC{n:02d}", location="computer_lab",
                         condition="good", purchase_date=date(2025, 1, 15), cost="450.00",
                         currency="USD", funding_source="Ministry grant 2025",
                         warranty_end=date(2028, 1, 15), notes=f"Seat {n}"))
    rows += [
        dict(category="laptop", make="Lenovo", model="ThinkPad E14",
             serial=f"DEMO-{center.code}-LT01", location="store", condition="good",
             purchase_date=date(2025, 3, 1), cost="620.00", currency="USD",
             funding_source="Partner donation"),
        dict(category="projector", make="Epson", model="EB-X51", serial=f"DEMO-{center.code}-PJ01",
             location="training_room", condition="good", cost="1800000", currency="KHR",
             funding_source="Center budget"),
        dict(category="printer", make="HP", model="LaserJet M404",
             serial=f"DEMO-{center.code}-PR01", location="post_office", condition="fair"),
        dict(category="network", make="TP-Link", model="TL-SG1024",
             serial=f"DEMO-{center.code}-SW01", location="computer_lab", condition="good"),
        dict(category="furniture", make="", model="Trainee desk", serial="",
             location="training_room", condition="fair", notes="Demo desk"),
    ]
    return rows


def _demo_picture() -> bytes:
    """A drawn stand-in for a photo of the projector (no binary files in the repository)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 200), (236, 240, 244))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((40, 60, 280, 150), radius=18, fill=(60, 64, 72))
    draw.ellipse((70, 80, 130, 140), fill=(20, 20, 24), outline=(160, 190, 220), width=5)
    draw.rectangle((170, 90, 260, 100), fill=(120, 124, 132))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def load(center, session) -> None:
    items = {}
    for code, name, unit, reorder in CONSUMABLES:
        item = session.execute(sa.select(Consumable).where(
            Consumable.center_id == center.id, Consumable.code == code)).scalar_one_or_none()
        item = item or stock.save_consumable(session, center, code=code, name=name, unit=unit,
                                             reorder_level=reorder)
        items[code] = item
        has_moves = session.execute(sa.select(StockMovement.id).where(
            StockMovement.consumable_id == item.id)).first()
        if not has_moves:
            stock.receive(session, center, item, "store", reorder * 3 if code != "TONER-85A" else 1,
                          reason="demo: opening stock")
    assets = {}
    for data in _assets(center):
        found = None
        if data["serial"]:
            found = session.execute(sa.select(Asset).where(
                Asset.center_id == center.id, Asset.serial == data["serial"])).scalar_one_or_none()
        else:
            found = session.execute(sa.select(Asset).where(
                Asset.center_id == center.id, Asset.notes == data["notes"])).scalars().first()
        assets[data["serial"] or data["notes"]] = found or create_asset(session, center, data)
    projector = assets[f"DEMO-{center.code}-PJ01"]
    if not projector.photos:
        add_photo(session, projector, _demo_picture(), "projector.png")
    repairs.save_plan(session, center, category="desktop", every_days=90,
                      task="Clean fans, check disks and update the operating system")
    today = clock.today(center)
    laptop = assets[f"DEMO-{center.code}-LT01"]
    if not session.execute(sa.select(Loan.id).where(Loan.center_id == center.id)).first():
        loan = loans.check_out(session, center, laptop, borrower_kind="community",
                               borrower_name="Chea Sokha", borrower_contact="+85512345678",
                               due_on=today, condition_out="good", notes="Village workshop")
        # An overdue loan for the dashboard: it was due three days ago.
        loan.out_at = loan.out_at - timedelta(days=10)
        loan.due_on = today - timedelta(days=3)
    pc = assets[f"DEMO-{center.code}-PC08"]
    if not session.execute(sa.select(RepairTicket.id).where(
            RepairTicket.center_id == center.id)).first():
        ticket = repairs.open_ticket(session, center, pc, problem="Does not start; fan noise",
                                     priority="high")
        repairs.advance(session, ticket, "diagnosing")
        repairs.use_part(session, ticket, items["RAM-DDR4-8"], "store", 1)
    if not session.execute(sa.select(StockTake.id).where(StockTake.center_id == center.id)).first():
        take = stock.start_stock_take(session, center, "store", note="demo: monthly count")
        counts = {line.id: (line.expected - (1 if line.consumable.code == "PAPER-A4" else 0), "")
                  for line in take.lines}
        stock.record_counts(session, take, counts)
        stock.post_stock_take(session, take)
        # The lab's count: cables moved there, the computers ticked off.
        stock.transfer(session, center, items["CABLE-CAT6"], "store", "computer_lab", 10,
                       reason="demo: cables for the lab")
        lab = stock.start_stock_take(session, center, "computer_lab", note="demo: lab check")
        stock.record_counts(session, lab, {
            line.id: ((9, "one cable cut") if line.consumable.code == "CABLE-CAT6" else (None, ""))
            for line in lab.lines}, seen={line.id for line in lab.asset_lines})
        stock.post_stock_take(session, lab)
    session.flush()
