"""Assets: register, edit, photos, tag numbers. Plain functions over plain arguments.

Loans live in loans.py, repairs and maintenance in repairs.py, consumables and stock-takes
in stock.py, CSV/XLSX in transfer.py. Every function takes the session and center it works
in; none reads the request. Errors the user can fix are :class:`InventoryError`.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from core import files, images
from core.auth.models import Membership, User
from plugins.inventory.constants import (
    CATEGORIES,
    CONDITIONS,
    CURRENCIES,
    LOCATIONS,
    OPEN_TICKET_STATUSES,
    STATUSES,
)
from plugins.inventory.models import Asset, AssetEvent, AssetPhoto, Loan, RepairTicket

TAG_SERIES = "inventory.asset"
TAG_PATTERN = "{center}-{n:05d}"
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 2000
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")  # accepted uploads; stored as JPEG or PNG


class InventoryError(ValueError):
    """A request the inventory refuses; ``field`` names the form field at fault, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def staff_of(session, center) -> list[User]:
    """The active users holding any role at ``center``, by name."""
    rows = session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.center_id == center.id, User.active.is_(True))
        .distinct().order_by(User.full_name, User.username)
    ).scalars().all()
    return list(rows)


def staff_member(session, center, user_id) -> User | None:
    if not user_id:
        return None
    return next((u for u in staff_of(session, center) if u.id == int(user_id)), None)


def savepoint(session):
    """``session.begin_nested()``, safe on SQLite too.

    pysqlite opens its transaction lazily, at the first INSERT/UPDATE/DELETE; a SAVEPOINT
    issued before that starts the transaction itself and its RELEASE then COMMITS
    everything (and syncs the disk, ~10 ms). A no-op UPDATE first makes pysqlite open the
    real transaction, so the savepoint nests as it should. (Core could make this
    unnecessary with SQLAlchemy's pysqlite recipe: isolation_level=None and an explicit
    BEGIN on the engine's "begin" event.)
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("UPDATE inventory_asset SET id = id WHERE 1 = 0"))
    return session.begin_nested()


# -- assets ---------------------------------------------------------------------------


def allocate_tag(session, center) -> str:
    from core.sequences import allocate

    return allocate(session, center, TAG_SERIES, pattern=TAG_PATTERN, per_year=False)


def parse_cost(text, currency: str) -> int | None:
    """A typed amount in minor units (cents, riel), or ``None`` when left blank."""
    text = ("" if text is None else str(text)).strip()
    if not text:
        return None
    from core.money import parse

    try:
        money = parse(text, currency)
    except (ValueError, ArithmeticError) as exc:
        raise InventoryError(_l("The cost is not an amount."), "cost") from exc
    if money.minor < 0:
        raise InventoryError(_l("The cost cannot be negative."), "cost")
    return money.minor


# Statuses only the workflows set: a check-out puts an asset on loan, a repair ticket
# under repair. Typing them (form, CSV) would leave the asset stuck in a fake status.
WORKFLOW_STATUSES = ("on_loan", "under_repair")


def _workflow_status_error(status: str) -> InventoryError:
    if status == "on_loan":
        return InventoryError(_l("Only a check-out puts an asset on loan: register it in "
                                 "service, then lend it."), "status")
    return InventoryError(_l("Only a repair ticket puts an asset under repair: register it "
                             "in service, then open a ticket."), "status")


def clean_asset_data(data: dict, *, creating: bool = False) -> dict:
    """Check one asset's fields (from a form or a CSV row) and return them normalised.

    With ``creating``, the statuses only loans and repairs set are refused."""
    out = {}
    for key in ("make", "model", "serial", "funding_source", "custodian_name", "notes"):
        out[key] = (data.get(key) or "").strip()
    for key, limit in (("make", 100), ("model", 100), ("serial", 100), ("funding_source", 200),
                       ("custodian_name", 200)):
        if len(out[key]) > limit:
            raise InventoryError(_l("Too long (at most %(n)s characters).", n=limit), key)
    choices = (("category", CATEGORIES), ("location", LOCATIONS), ("condition", CONDITIONS),
               ("status", STATUSES))
    for key, allowed in choices:
        value = (data.get(key) or "").strip().lower().replace(" ", "_")
        if key == "condition" and not value:
            value = "good"
        if key == "status" and not value:
            value = "in_service"
        if value not in allowed:
            raise InventoryError(
                _l("Unknown %(field)s %(value)r; use one of: %(allowed)s.", field=key,
                   value=value, allowed=", ".join(allowed)), key)
        out[key] = value
    if creating and out["status"] in WORKFLOW_STATUSES:
        raise _workflow_status_error(out["status"])
    currency = (data.get("currency") or "USD").strip().upper()
    if currency not in CURRENCIES:
        raise InventoryError(_l("The currency must be USD or KHR."), "currency")
    out["currency"] = currency
    cost = data.get("cost_minor")
    out["cost_minor"] = cost if isinstance(cost, int) else parse_cost(data.get("cost"), currency)
    for key in ("purchase_date", "warranty_end"):
        value = data.get(key)
        if isinstance(value, str):
            value = value.strip()
            try:
                value = date.fromisoformat(value) if value else None
            except ValueError as exc:
                raise InventoryError(_l("Write dates as YYYY-MM-DD."), key) from exc
        out[key] = value
    if out["purchase_date"] and out["warranty_end"] and out["warranty_end"] < out["purchase_date"]:
        raise InventoryError(_l("The warranty cannot end before the purchase."), "warranty_end")
    out["custodian_id"] = data.get("custodian_id") or None
    return out


def _check_serial(session, center, serial: str, asset_id: int | None = None) -> None:
    if not serial:
        return
    query = sa.select(Asset.tag).where(Asset.center_id == center.id, Asset.serial == serial)
    if asset_id:
        query = query.where(Asset.id != asset_id)
    tag = session.execute(query).scalar()
    if tag:
        raise InventoryError(
            _l("Serial number %(serial)s is already registered as %(tag)s.", serial=serial, tag=tag),
            "serial")


def create_asset(session, center, data: dict, *, user=None) -> Asset:
    """Register an asset with the next tag number of ``center``; the caller commits."""
    fields = clean_asset_data(data, creating=True)
    _check_serial(session, center, fields["serial"])
    try:
        with savepoint(session):
            asset = Asset(center_id=center.id, tag=allocate_tag(session, center),
                          created_by_id=user.id if user else None, **fields)
            asset._actor_id = user.id if user else None
            session.add(asset)
            session.flush()
    except IntegrityError as exc:  # a serial registered meanwhile by someone else
        raise InventoryError(_l("This serial number is already registered."), "serial") from exc
    return asset


def open_loan_exists(session, asset: Asset) -> bool:
    return session.execute(sa.select(Loan.id).where(
        Loan.asset_id == asset.id, Loan.returned_at.is_(None))).first() is not None


def open_repairs(session, asset: Asset, *, exclude_id: int | None = None) -> list[RepairTicket]:
    """The asset's open corrective tickets (the ones that hold it under repair)."""
    query = sa.select(RepairTicket).where(
        RepairTicket.asset_id == asset.id, RepairTicket.kind == "corrective",
        RepairTicket.status.in_(OPEN_TICKET_STATUSES)).order_by(RepairTicket.id)
    if exclude_id is not None:
        query = query.where(RepairTicket.id != exclude_id)
    return list(session.execute(query).scalars())


def _check_status_change(session, asset: Asset, new_status: str) -> None:
    """An edit may not set a workflow status, nor leave one while its loan or ticket is open
    (leaving it is allowed when nothing holds it, to free an asset stuck in it)."""
    if new_status in WORKFLOW_STATUSES:
        raise _workflow_status_error(new_status)
    if asset.status == "on_loan" and open_loan_exists(session, asset):
        raise InventoryError(_l("%(tag)s has an open loan: check it in first.", tag=asset.tag),
                             "status")
    if asset.status == "under_repair" and open_repairs(session, asset):
        raise InventoryError(_l("%(tag)s has an open repair ticket: mark it repaired or "
                                "unrepairable first.", tag=asset.tag), "status")


def update_asset(session, asset: Asset, data: dict, *, user=None, note: str = "") -> Asset:
    fields = clean_asset_data(data)
    _check_serial(session, asset.center, fields["serial"], asset.id)
    if fields["status"] != asset.status:
        _check_status_change(session, asset, fields["status"])
    asset._actor_id = user.id if user else None
    asset._event_note = note
    try:
        with savepoint(session):
            for key, value in fields.items():
                setattr(asset, key, value)
            session.flush()
    except IntegrityError as exc:
        raise InventoryError(_l("This serial number is already registered."), "serial") from exc
    return asset


def filter_assets(center, *, q="", category="", location="", status="", condition=""):
    """The register's query with the list filters applied (ordered by tag)."""
    query = sa.select(Asset).where(Asset.center_id == center.id)
    if category:
        query = query.where(Asset.category == category)
    if location:
        query = query.where(Asset.location == location)
    if status:
        query = query.where(Asset.status == status)
    if condition:
        query = query.where(Asset.condition == condition)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(sa.or_(Asset.tag.ilike(like), Asset.serial.ilike(like),
                                   Asset.make.ilike(like), Asset.model.ilike(like),
                                   Asset.custodian_name.ilike(like), Asset.notes.ilike(like)))
    return query.order_by(Asset.tag)


def find_by_tag(session, center, tag: str) -> Asset | None:
    return session.execute(
        sa.select(Asset).where(Asset.center_id == center.id, Asset.tag == tag.strip().upper())
    ).scalar_one_or_none()


# -- photos ---------------------------------------------------------------------------


def photo_root() -> Path:
    """Where photos live: ``INVENTORY_PHOTO_DIR`` or the instance folder; never under
    static/, so only the guarded view serves them."""
    return Path(current_app.config.get("INVENTORY_PHOTO_DIR") or (
        Path(current_app.instance_path) / "inventory" / "photos"))


def photo_dir(center_id: int) -> Path:
    """A center's photo folder, under :func:`photo_root`."""
    return photo_root() / str(center_id)


def add_photo(session, asset: Asset, data: bytes, filename: str = "", *, user=None) -> AssetPhoto:
    """Check that ``data`` is a real picture, store a clean re-encoded copy, record it.

    core.images re-encodes it (JPEG, or PNG when it has transparency), upright, shrunk
    to PHOTO_MAX_SIDE: whatever else the file carried (scripts in a polyglot, GPS in
    EXIF) is dropped.
    """
    limit = current_app.config.get("INVENTORY_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)
    try:
        clean = images.clean_image(data, max_bytes=limit, max_pixels=PHOTO_MAX_PIXELS,
                                   formats=PHOTO_FORMATS, fit=PHOTO_MAX_SIDE)
    except images.ImageError as exc:
        raise InventoryError(exc.message, "photo") from exc
    ext, ctype, (width, height) = clean.extension, clean.content_type, clean.size
    stored = f"{uuid.uuid4().hex}.{ext}"
    folder = photo_dir(asset.center_id)
    folder.mkdir(parents=True, exist_ok=True)
    payload = clean.data
    (folder / stored).write_bytes(payload)
    files.remove_on_rollback(session, folder / stored, root=photo_root())  # no orphan file
    photo = AssetPhoto(center_id=asset.center_id, asset_id=asset.id, stored_name=stored,
                       original_name=(filename or "")[:200], content_type=ctype,
                       size=len(payload), width=width, height=height,
                       uploaded_by_id=user.id if user else None)
    session.add(photo)
    from core import audit

    audit.record("photo_added", asset, session=session, changes={"photo": stored})
    session.add(AssetEvent(center_id=asset.center_id, asset_id=asset.id, action="photo_added",
                           user_id=user.id if user else None, new_value=photo.original_name or stored))
    return photo


def photo_path(photo: AssetPhoto) -> Path:
    return photo_dir(photo.center_id) / photo.stored_name


def remove_photo(session, photo: AssetPhoto, *, user=None) -> None:
    from core import audit

    audit.record("photo_removed", photo.asset, session=session,
                 changes={"photo": photo.stored_name})
    session.add(AssetEvent(center_id=photo.center_id, asset_id=photo.asset_id,
                           action="photo_removed", user_id=user.id if user else None,
                           old_value=photo.original_name or photo.stored_name))
    path = photo_path(photo)
    session.delete(photo)
    session.flush()
    files.delete_after_commit(session, path, root=photo_root())  # kept if this rolls back
