"""Catalogue and tariffs: zones, pricing by weight band, CSV import and export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import pycountry
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.exports import to_csv
from plugins.postal.models import DOMESTIC, SERVICE_KINDS, Goods, PostalService, Tariff, Zone


class PricingError(ValueError):
    """The item cannot be priced; the message says why (shown to the clerk)."""


@dataclass(frozen=True)
class Price:
    minor: int
    currency: str
    tariff_id: int | None
    zone: str


def zone_for(session, center, country: str) -> str:
    """``DOM`` for Cambodia, else the zone the center's tariff gives the country."""
    country = (country or "KH").upper()
    if country == "KH":
        return DOMESTIC
    zone = session.execute(
        sa.select(Zone.zone).where(Zone.center_id == center.id, Zone.country == country)
    ).scalar_one_or_none()
    if zone is None:
        raise PricingError(_l("No postal zone is set for the country %(country)s.", country=country))
    return zone


def tariff_bands(session, center, service, zone: str, on: date) -> list[Tariff]:
    """The bands of ``service`` in ``zone`` valid on ``on``, lightest first.

    A price list is the set of bands that start on the same day: the latest one started
    by ``on`` (and not ended) replaces the older ones whole.
    """
    rows = list(session.execute(
        sa.select(Tariff).where(
            Tariff.center_id == center.id, Tariff.service_id == service.id, Tariff.zone == zone,
            Tariff.valid_from <= on, sa.or_(Tariff.valid_to.is_(None), Tariff.valid_to >= on),
        ).order_by(Tariff.max_weight_g)
    ).scalars())
    latest = max((t.valid_from for t in rows), default=None)
    return [t for t in rows if t.valid_from == latest]


def price_service(session, center, service: PostalService, weight_g: int | None,
                  zone: str = DOMESTIC, on: date | None = None) -> Price:
    """Price one item of ``service`` weighing ``weight_g`` grams, sent to ``zone``.

    The band is the lightest whose inclusive upper limit holds the weight. Its base price
    covers the first ``step_g`` grams above the previous band's limit; every further started
    step adds ``step_minor``.
    """
    on = on or date.today()
    if service.flat_price_minor is not None and not service.takes_item:
        return Price(service.flat_price_minor, service.flat_currency, None, "")
    if weight_g is None or weight_g <= 0:
        raise PricingError(_l("Enter the weight in grams."))
    if service.max_weight_g is not None and weight_g > service.max_weight_g:
        raise PricingError(
            _l("%(weight)s g is over the %(limit)s g limit of %(service)s.", weight=weight_g,
               limit=service.max_weight_g, service=service.name_en))
    bands = tariff_bands(session, center, service, zone, on)
    lower = 0
    for band in bands:
        if weight_g <= band.max_weight_g:
            price = band.base_minor
            if band.step_g:
                started = -(-(weight_g - lower) // band.step_g)  # ceiling division
                price += max(0, started - 1) * band.step_minor
            return Price(price, band.currency, band.id, zone)
        lower = band.max_weight_g
    if bands:
        raise PricingError(_l("%(weight)s g is over the heaviest tariff band (%(limit)s g).",
                              weight=weight_g, limit=lower))
    raise PricingError(_l("No tariff for %(service)s to zone %(zone)s on %(day)s.",
                          service=service.name_en, zone=zone, day=on.isoformat()))


# -- CSV ------------------------------------------------------------------------------------

TARIFF_COLUMNS = ["service", "zone", "max_weight_g", "base", "step_g", "step", "currency",
                  "valid_from", "valid_to"]
SERVICE_COLUMNS = ["code", "name_en", "name_km", "kind", "max_weight_g", "vat_percent",
                   "flat_price", "flat_currency", "active"]
GOODS_COLUMNS = ["code", "name_en", "name_km", "price", "currency", "vat_percent", "stock",
                 "active"]


def _int(value: str, what: str, *, required=True, minimum=0) -> int | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValueError(_("%(what)s is required", what=what))
        return None
    if not value.isascii() or not value.lstrip("-").isdigit():
        raise ValueError(_("%(what)s must be a whole number, not %(value)s", what=what,
                           value=repr(value)))
    number = int(value)
    if number < minimum:
        raise ValueError(_("%(what)s must be at least %(minimum)s", what=what, minimum=minimum))
    return number


def _currency(value: str) -> str:
    value = (value or "KHR").strip().upper()
    if value not in ("KHR", "USD"):
        raise ValueError(_("currency must be KHR or USD, not %(value)s", value=repr(value)))
    return value


def _date(value: str, what: str, required=True) -> date | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValueError(_("%(what)s is required", what=what))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("%(what)s must be a date like 2026-01-31, not %(value)s", what=what,
                           value=repr(value))) from None


def _bool(value: str) -> bool:
    return (value or "1").strip().lower() not in ("0", "no", "false", "n")


def _vat_bp(value: str) -> int:
    value = (value or "10").strip()
    try:
        parts = value.split(".")
        whole = int(parts[0])
        frac = (parts[1] + "00")[:2] if len(parts) > 1 else "00"
        bp = whole * 100 + int(frac)
    except (ValueError, IndexError):
        raise ValueError(_("VAT must be a percentage like 10, not %(value)s",
                           value=repr(value))) from None
    if not 0 <= bp <= 10000:
        raise ValueError(_("VAT must be between 0 and 100 %"))
    return bp


def _reader(text: str):
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return reader


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = None

    def __post_init__(self):
        self.errors = self.errors or []


def _run_rows(session, text: str, columns: list[str], apply_row) -> ImportResult:
    """Apply each CSV row in its own savepoint: bad rows are reported, good rows kept."""
    result = ImportResult()
    reader = _reader(text)
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    required = [c for c in missing if c not in ("valid_to", "name_km", "active", "step_g", "step")]
    if required:
        result.errors.append((1, _("missing columns: %(columns)s", columns=", ".join(required))))
        return result
    for number, row in enumerate(reader, start=2):
        try:
            with session.begin_nested():
                created = apply_row(row)
        except sa.exc.IntegrityError as exc:  # the database's own words: technical, kept as detail
            detail = str(exc.orig if exc.orig is not None else exc).splitlines()[0]
            result.errors.append((number, _("the database refused the row: %(detail)s",
                                            detail=detail)))
            continue
        except ValueError as exc:
            result.errors.append((number, str(exc).splitlines()[0]))
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def import_tariffs(session, center, text: str) -> ImportResult:
    services = {s.code: s for s in session.execute(
        sa.select(PostalService).where(PostalService.center_id == center.id)).scalars()}

    def apply_row(row):
        code = (row.get("service") or "").strip()
        service = services.get(code)
        if service is None:
            raise ValueError(_("unknown service %(code)s", code=repr(code)))
        zone = (row.get("zone") or "").strip().upper()
        if not zone:
            raise ValueError(_("%(what)s is required", what="zone"))
        max_weight = _int(row.get("max_weight_g"), "max_weight_g", minimum=1)
        valid_from = _date(row.get("valid_from"), "valid_from")
        valid_to = _date(row.get("valid_to"), "valid_to", required=False)
        if valid_to and valid_to < valid_from:
            raise ValueError(_("valid_to is before valid_from"))
        existing = session.execute(sa.select(Tariff).where(
            Tariff.center_id == center.id, Tariff.service_id == service.id,
            Tariff.zone == zone, Tariff.max_weight_g == max_weight,
            Tariff.valid_from == valid_from)).scalar_one_or_none()
        tariff = existing or Tariff(center_id=center.id, service_id=service.id, zone=zone,
                                    max_weight_g=max_weight, valid_from=valid_from)
        tariff.base_minor = _int(row.get("base"), "base")
        tariff.step_g = _int(row.get("step_g"), "step_g", required=False, minimum=1)
        tariff.step_minor = _int(row.get("step"), "step", required=False) or 0
        tariff.currency = _currency(row.get("currency"))
        tariff.valid_to = valid_to
        session.add(tariff)
        session.flush()
        return existing is None

    return _run_rows(session, text, TARIFF_COLUMNS, apply_row)


def import_services(session, center, text: str) -> ImportResult:
    def apply_row(row):
        code = (row.get("code") or "").strip().upper()
        if not code:
            raise ValueError(_("%(what)s is required", what="code"))
        kind = (row.get("kind") or "").strip().lower()
        if kind not in SERVICE_KINDS:
            raise ValueError(_("kind must be one of %(kinds)s", kinds=", ".join(SERVICE_KINDS)))
        name_en = (row.get("name_en") or "").strip()
        if not name_en:
            raise ValueError(_("%(what)s is required", what="name_en"))
        existing = session.execute(sa.select(PostalService).where(
            PostalService.center_id == center.id, PostalService.code == code)).scalar_one_or_none()
        service = existing or PostalService(center_id=center.id, code=code)
        service.name_en, service.name_km, service.kind = name_en, (row.get("name_km") or ""), kind
        service.max_weight_g = _int(row.get("max_weight_g"), "max_weight_g", required=False,
                                    minimum=1)
        service.vat_bp = _vat_bp(row.get("vat_percent"))
        service.flat_price_minor = _int(row.get("flat_price"), "flat_price", required=False)
        service.flat_currency = _currency(row.get("flat_currency"))
        service.active = _bool(row.get("active"))
        session.add(service)
        session.flush()
        return existing is None

    return _run_rows(session, text, SERVICE_COLUMNS, apply_row)


def import_goods(session, center, text: str) -> ImportResult:
    def apply_row(row):
        code = (row.get("code") or "").strip().upper()
        if not code:
            raise ValueError(_("%(what)s is required", what="code"))
        name_en = (row.get("name_en") or "").strip()
        if not name_en:
            raise ValueError(_("%(what)s is required", what="name_en"))
        existing = session.execute(sa.select(Goods).where(
            Goods.center_id == center.id, Goods.code == code)).scalar_one_or_none()
        goods = existing or Goods(center_id=center.id, code=code)
        goods.name_en, goods.name_km = name_en, (row.get("name_km") or "")
        goods.price_minor = _int(row.get("price"), "price")
        goods.currency = _currency(row.get("currency"))
        goods.vat_bp = _vat_bp(row.get("vat_percent"))
        goods.stock = _int(row.get("stock"), "stock", required=False) or 0
        goods.active = _bool(row.get("active"))
        session.add(goods)
        session.flush()
        return existing is None

    return _run_rows(session, text, GOODS_COLUMNS, apply_row)


ZONE_COLUMNS = ["country", "zone"]


def import_zones(session, center, text: str) -> ImportResult:
    """Rows of ``country`` (ISO 3166 alpha-2, not KH: Cambodia is always DOM) and ``zone``."""
    def apply_row(row):
        country = (row.get("country") or "").strip().upper()
        if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
            raise ValueError(_("%(code)s is not an ISO 3166 country code.",
                               code=repr(country)))
        if country == "KH":
            raise ValueError(_("Cambodia is always the zone DOM."))
        zone = (row.get("zone") or "").strip().upper()
        if not zone:
            raise ValueError(_("%(what)s is required", what="zone"))
        if len(zone) > 16 or zone == DOMESTIC:
            raise ValueError(_("the zone must be 1 to 16 characters and not DOM"))
        existing = session.execute(sa.select(Zone).where(
            Zone.center_id == center.id, Zone.country == country)).scalar_one_or_none()
        row_ = existing or Zone(center_id=center.id, country=country)
        row_.zone = zone
        session.add(row_)
        session.flush()
        return existing is None

    return _run_rows(session, text, ZONE_COLUMNS, apply_row)


def export_zones(session, center) -> str:
    rows = session.execute(sa.select(Zone).where(Zone.center_id == center.id).order_by(
        Zone.zone, Zone.country)).scalars()
    return _csv(ZONE_COLUMNS, [[z.country, z.zone] for z in rows])


def _csv(columns: list[str], rows) -> str:
    return to_csv([columns, *rows])


def _pct(bp: int) -> str:
    return f"{bp // 100}" if bp % 100 == 0 else f"{bp // 100}.{bp % 100:02d}"


def export_tariffs(session, center) -> str:
    rows = session.execute(sa.select(Tariff).where(Tariff.center_id == center.id).order_by(
        Tariff.service_id, Tariff.zone, Tariff.valid_from, Tariff.max_weight_g)).scalars()
    return _csv(TARIFF_COLUMNS, [
        [t.service.code, t.zone, t.max_weight_g, t.base_minor, t.step_g or "", t.step_minor,
         t.currency, t.valid_from.isoformat(), t.valid_to.isoformat() if t.valid_to else ""]
        for t in rows])


def export_services(session, center) -> str:
    rows = session.execute(sa.select(PostalService).where(
        PostalService.center_id == center.id).order_by(PostalService.code)).scalars()
    return _csv(SERVICE_COLUMNS, [
        [s.code, s.name_en, s.name_km, s.kind, s.max_weight_g or "", _pct(s.vat_bp),
         "" if s.flat_price_minor is None else s.flat_price_minor, s.flat_currency,
         int(s.active)] for s in rows])


def export_goods(session, center) -> str:
    rows = session.execute(sa.select(Goods).where(
        Goods.center_id == center.id).order_by(Goods.code)).scalars()
    return _csv(GOODS_COLUMNS, [
        [g.code, g.name_en, g.name_km, g.price_minor, g.currency, _pct(g.vat_bp), g.stock,
         int(g.active)] for g in rows])


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda x: x[1])
