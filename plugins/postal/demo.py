"""Demo data: a plausible catalogue and tariff, S10 ranges, a closed till session with
sales, a void, a refund, items with tracking and a CN23. Idempotent (natural keys)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from core import money
from core.auth.models import Membership, Role, User
from plugins.postal.models import Goods, PostalService, S10Range, Tariff, TillSession, Zone

SERVICES = [
    # code, English, Khmer, kind, max weight (g), flat price, currency
    ("LETTER", "Letter", "លិខិត", "letter", 2000, None, "KHR"),
    ("REG", "Registered letter", "លិខិតអនុសិដ្ឋ", "registered", 2000, None, "KHR"),
    ("EMS", "EMS express", "អ៊ីអឹមអេស", "ems", 30000, None, "KHR"),
    ("PARCEL", "Parcel", "កញ្ចប់", "parcel", 30000, None, "KHR"),
    ("PRINTED", "Printed matter", "សារពត៌មានបោះពុម្ព", "printed", 5000, None, "KHR"),
    ("AR", "Acknowledgement of receipt", "បណ្ណទទួលស្គាល់", "ar", None, 2000, "KHR"),
    ("COPY", "Photocopy (page)", "ថតចម្លង (ទំព័រ)", "counter", None, 200, "KHR"),
    ("PRINT", "Printing (page)", "បោះពុម្ព (ទំព័រ)", "counter", None, 500, "KHR"),
    ("BILL", "Bill collection", "ការទូទាត់វិក្កយបត្រ", "counter", None, 2000, "KHR"),
]
GOODS = [
    ("ENV-C5", "Envelope C5", "ស្រោមសំបុត្រ C5", 500, 400),
    ("ENV-A4", "Envelope A4", "ស្រោមសំបុត្រ A4", 1000, 200),
    ("BOX-S", "Box, small", "ប្រអប់តូច", 4000, 60),
    ("BOX-L", "Box, large", "ប្រអប់ធំ", 8000, 30),
    ("STAMP-2000", "Stamp 2,000 riel", "តែម ២០០០ រៀល", 2000, 500),
]
ZONES = {"Z1": ["TH", "VN", "LA", "MY", "SG", "ID", "PH", "MM", "BN"],
         "Z2": ["CN", "JP", "KR", "IN", "HK", "TW", "AU", "NZ"],
         "Z3": ["US", "CA", "GB", "FR", "DE", "IT", "ES", "NL", "BE", "CH", "SE"]}
# (service, zone, band limit g, base, step g, step price, currency)
TARIFF = [
    ("LETTER", "DOM", 20, 1000, None, 0, "KHR"), ("LETTER", "DOM", 100, 2000, None, 0, "KHR"),
    ("LETTER", "DOM", 500, 4000, None, 0, "KHR"), ("LETTER", "DOM", 2000, 8000, None, 0, "KHR"),
    ("LETTER", "Z1", 20, 3000, None, 0, "KHR"), ("LETTER", "Z1", 2000, 3000, 100, 2500, "KHR"),
    ("LETTER", "Z2", 20, 4000, None, 0, "KHR"), ("LETTER", "Z2", 2000, 4000, 100, 3500, "KHR"),
    ("LETTER", "Z3", 20, 5000, None, 0, "KHR"), ("LETTER", "Z3", 2000, 5000, 100, 4500, "KHR"),
    ("REG", "DOM", 20, 5000, None, 0, "KHR"), ("REG", "DOM", 2000, 5000, 100, 1000, "KHR"),
    ("REG", "Z1", 2000, 12000, 100, 2500, "KHR"), ("REG", "Z2", 2000, 14000, 100, 3500, "KHR"),
    ("REG", "Z3", 2000, 16000, 100, 4500, "KHR"),
    ("EMS", "DOM", 500, 12000, None, 0, "KHR"), ("EMS", "DOM", 30000, 12000, 500, 3000, "KHR"),
    ("EMS", "Z1", 500, 1500, None, 0, "USD"), ("EMS", "Z1", 30000, 1500, 500, 450, "USD"),
    ("EMS", "Z2", 500, 2000, None, 0, "USD"), ("EMS", "Z2", 30000, 2000, 500, 700, "USD"),
    ("EMS", "Z3", 500, 2800, None, 0, "USD"), ("EMS", "Z3", 30000, 2800, 500, 1100, "USD"),
    ("PARCEL", "DOM", 1000, 8000, None, 0, "KHR"),
    ("PARCEL", "DOM", 30000, 8000, 1000, 2000, "KHR"),
    ("PARCEL", "Z1", 30000, 900, 1000, 400, "USD"), ("PARCEL", "Z2", 30000, 1200, 1000, 600, "USD"),
    ("PARCEL", "Z3", 30000, 1800, 1000, 900, "USD"),
    ("PRINTED", "DOM", 100, 1000, None, 0, "KHR"),
    ("PRINTED", "DOM", 5000, 1000, 100, 500, "KHR"),
]
TARIFF_FROM = date(2026, 1, 1)


def _get(session, model, center, **key):
    return session.execute(sa.select(model).filter_by(center_id=center.id, **key)).scalars().first()


def load(center, session) -> None:
    services = {}
    for code, en, km, kind, max_g, flat, cur in SERVICES:
        row = _get(session, PostalService, center, code=code) or PostalService(
            center_id=center.id, code=code, name_en=en, name_km=km, kind=kind, max_weight_g=max_g,
            flat_price_minor=flat, flat_currency=cur)
        session.add(row)
        services[code] = row
    for code, en, km, price, stock in GOODS:
        if _get(session, Goods, center, code=code) is None:
            session.add(Goods(center_id=center.id, code=code, name_en=en, name_km=km,
                              price_minor=price, currency="KHR", stock=stock))
    for zone, countries in ZONES.items():
        for country in countries:
            if _get(session, Zone, center, country=country) is None:
                session.add(Zone(center_id=center.id, country=country, zone=zone))
    session.flush()
    for code, zone, limit, base, step_g, step, cur in TARIFF:
        service = services[code]
        if _get(session, Tariff, center, service_id=service.id, zone=zone, max_weight_g=limit,
                valid_from=TARIFF_FROM) is None:
            session.add(Tariff(center_id=center.id, service_id=service.id, zone=zone,
                               max_weight_g=limit, base_minor=base, step_g=step_g,
                               step_minor=step, currency=cur, valid_from=TARIFF_FROM))
    session.flush()
    _ranges(center, session)
    _rate(center, session)
    if _get(session, TillSession, center) is None:
        from plugins.postal.demo_sales import load_sales

        load_sales(center, session)


def _ranges(center, session) -> None:
    from plugins.postal.services_items import allocate_range

    base = (10 + center.id % 80) * 1_000_000
    for offset, indicator in enumerate(("RR", "EE", "CP")):
        if _get(session, S10Range, center, indicator=indicator) is None:
            start = base + offset * 100_000
            try:
                with session.begin_nested():
                    allocate_range(session, center, indicator, start, start + 99_999)
            except ValueError:
                pass  # taken by another center's range: the deployer allocates by hand


def _rate(center, session) -> None:
    try:
        money.rate_on(center, session=session)
    except money.MoneyError:
        money.set_rate(center, TARIFF_FROM, 4100, session=session)


def demo_clerk(center, session) -> User | None:
    """A member of the center, a clerk if there is one."""
    return session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id).where(Membership.center_id == center.id)
        .order_by(sa.case((Role.code == "clerk", 0), else_=1), User.id)).scalars().first()
