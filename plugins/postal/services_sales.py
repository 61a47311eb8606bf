"""The sale: counter lines, payment, gapless receipt number, items with S10 numbers; voids
and refunds as new records. Plain functions: session and center passed in."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, money
from plugins.postal import cash
from plugins.postal.models import (
    DOMESTIC,
    CartLine,
    Goods,
    Payment,
    PostalService,
    Sale,
    SaleLine,
    TillSession,
)
from plugins.postal.models_items import Item, TrackingEvent
from plugins.postal.s10 import INDICATOR_BY_KIND
from plugins.postal.services_catalogue import PricingError, price_service, zone_for
from plugins.postal.services_items import (
    ItemError,
    S10Exhausted,
    cancel_item,
    cancelled,
    clean_party,
    left_counter,
    next_s10,
    s10_left,
)
from plugins.postal.services_till import TillError

RECEIPT_SERIES = "postal.receipt"
RECEIPT_PATTERN = "{center}-{year}-{n:06d}"


class SaleError(ValueError):
    """The sale cannot be made; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def no_s10_left(indicator: str) -> SaleError:
    return SaleError(_l("No S10 numbers are left for %(indicator)s at this center: ask the "
                        "deployer to allocate a range.", indicator=indicator), "service_id")


# -- exchange rate ----------------------------------------------------------------------------


def current_rate(session, center, on: date | None = None) -> int:
    """Riel per US dollar at ``center`` on ``on`` (core's dated rate; default today there)."""
    try:
        return money.rate_on(center, on, session=session).khr_per_usd
    except money.MoneyError as exc:
        raise SaleError(str(exc), "rate") from None


# -- lines -----------------------------------------------------------------------------------


def price_line(session, center, data: dict, rate: int, on: date | None = None) -> dict:
    """Validate and price one counter line. ``data`` holds ``service_id`` (with ``weight_g``,
    ``country`` and item fields) or ``goods_id``, and ``quantity``. Returns the line as
    stored in the cart, with its KHR amounts."""
    quantity = int(data.get("quantity") or 1)
    if quantity <= 0 or quantity > 999:
        raise SaleError(_l("The quantity must be between 1 and 999."), "quantity")
    line = {"quantity": quantity}
    if data.get("goods_id"):
        goods = session.get(Goods, int(data["goods_id"]))
        if goods is None or goods.center_id != center.id or not goods.active:
            raise SaleError(_l("Unknown goods."), "goods_id")
        unit, currency, vat_bp = goods.price_minor, goods.currency, goods.vat_bp
        line.update(goods_id=goods.id, description_en=goods.name_en,
                    description_km=goods.name_km, zone="", weight_g=None)
    elif data.get("service_id"):
        service = session.get(PostalService, int(data["service_id"]))
        if service is None or service.center_id != center.id or not service.active:
            raise SaleError(_l("Unknown service."), "service_id")
        weight = int(data["weight_g"]) if str(data.get("weight_g") or "").strip() else None
        if not service.takes_item and service.flat_price_minor is not None:
            weight = None
        country = (data.get("addressee_country") or "KH").upper()
        try:
            zone = zone_for(session, center, country) if service.takes_item else ""
            price = price_service(session, center, service, weight, zone or DOMESTIC, on)
        except PricingError as exc:
            raise SaleError(str(exc), "weight_g") from None
        unit, currency, vat_bp = price.minor, price.currency, service.vat_bp
        line.update(service_id=service.id, description_en=service.name_en,
                    description_km=service.name_km, zone=zone, weight_g=weight)
        if service.takes_item:
            need = service.tracked or country != "KH"
            if service.tracked and not s10_left(session, center, INDICATOR_BY_KIND[service.kind]):
                raise no_s10_left(INDICATOR_BY_KIND[service.kind])
            try:
                # tracked items (registered, EMS, parcel) need the sender's full address too
                party = clean_party(data, "sender", need_address=service.tracked)
                party.update(clean_party(data, "addressee", need_address=need))
            except ItemError as exc:
                raise SaleError(str(exc), exc.field) from None
            if need and not party["sender_name"]:
                raise SaleError(_l("The sender's name is required."), "sender_name")
            party["declared_value"] = int(data.get("declared_value") or 0)
            for dim in ("length_mm", "width_mm", "height_mm"):
                value = str(data.get(dim) or "").strip()
                party[dim] = int(value) if value else None
            line["item"] = party
            if service.tracked and quantity != 1:
                raise SaleError(_l("One line per registered item or parcel."), "quantity")
    else:
        raise SaleError(_l("Choose a service or goods."), "service_id")
    net = cash.to_khr(unit * quantity, currency, rate)
    line.update(unit_price_minor=unit, unit_currency=currency, net_khr=net, vat_bp=vat_bp,
                vat_khr=cash.vat_of(net, vat_bp))
    return line


def add_to_cart(session, center, till: TillSession, data: dict, rate: int) -> CartLine:
    """Check and price a line now (so the clerk sees mistakes at once); the sale prices it
    again at the sale's own rate."""
    if not till.is_open:
        raise TillError(_l("This session is closed."))
    priced = price_line(session, center, data, rate)
    clean = {k: v for k, v in data.items() if isinstance(v, (str, int)) and k != "csrf_token"}
    row = CartLine(center_id=center.id, session_id=till.id, data={"input": clean, **priced})
    session.add(row)
    session.flush()
    return row


def cart_lines(session, till: TillSession) -> list[CartLine]:
    return list(session.execute(sa.select(CartLine).where(
        CartLine.session_id == till.id).order_by(CartLine.id)).scalars())


def clear_cart(session, till: TillSession, line_id: int | None = None) -> None:
    query = sa.delete(CartLine).where(CartLine.session_id == till.id)
    if line_id is not None:
        query = query.where(CartLine.id == line_id)
    session.execute(query)


# -- the sale --------------------------------------------------------------------------------


def _number(session, center) -> str:
    from core.sequences import allocate

    return allocate(session, center, RECEIPT_SERIES, pattern=RECEIPT_PATTERN, per_year=True)


def create_sale(session, center, till: TillSession, clerk, inputs: list[dict], *,
                tendered_khr: int = 0, tendered_usd: int = 0, rate: int,
                paper: str = "receipt-80mm", on: date | None = None) -> Sale:
    """Price ``inputs`` (the counter lines) at ``rate``, take the payment, number the receipt
    and accept the items (S10 numbers for registered, EMS and parcel), in one transaction."""
    if not till.is_open:
        raise TillError(_l("Open a till session first."))
    if till.clerk_id != clerk.id:
        raise TillError(_l("This till session belongs to another clerk."))
    if not inputs:
        raise SaleError(_l("Add at least one line."), "service_id")
    lines = [price_line(session, center, data, rate, on) for data in inputs]
    net = sum(line["net_khr"] for line in lines)
    vat = sum(line["vat_khr"] for line in lines)
    try:
        settled = cash.settle(net + vat, tendered_khr, tendered_usd, rate)
    except money.MoneyError as exc:  # Underpaid says how much more is due
        raise SaleError(str(exc), "tendered_khr") from None
    for line in lines:
        if line.get("goods_id"):
            goods = session.get(Goods, line["goods_id"])
            if goods.stock < line["quantity"]:
                raise SaleError(_l("Only %(n)s %(goods)s left in stock.", n=goods.stock,
                                    goods=goods.name_en), "quantity")
            goods.stock -= line["quantity"]
    sale = Sale(center_id=center.id, number=_number(session, center), kind="sale",
                session_id=till.id, clerk_id=clerk.id, rate=rate, net_khr=net, vat_khr=vat,
                total_khr=net + vat, rounding_khr=settled.rounding.minor,
                change_khr=settled.change_khr.minor, change_usd=settled.change_usd.minor,
                paper=paper)
    session.add(sale)
    session.flush()
    for cur, amount in (("KHR", tendered_khr), ("USD", tendered_usd)):
        if amount:
            session.add(Payment(center_id=center.id, sale_id=sale.id, currency=cur,
                                amount_minor=amount))
    for data in lines:
        row = SaleLine(center_id=center.id, sale_id=sale.id, service_id=data.get("service_id"),
                       goods_id=data.get("goods_id"), description_en=data["description_en"],
                       description_km=data["description_km"], quantity=data["quantity"],
                       weight_g=data["weight_g"], zone=data["zone"],
                       unit_price_minor=data["unit_price_minor"],
                       unit_currency=data["unit_currency"], net_khr=data["net_khr"],
                       vat_bp=data["vat_bp"], vat_khr=data["vat_khr"])
        session.add(row)
        session.flush()
        if "item" in data:
            _accept_item(session, center, row, data, clerk)
    session.flush()
    session.refresh(sale)
    return sale


def _accept_item(session, center, line: SaleLine, data: dict, clerk) -> Item:
    service = session.get(PostalService, line.service_id)
    party = dict(data["item"])
    declared = party.pop("declared_value", 0)
    code = None
    if service.tracked:
        try:
            code = next_s10(session, center, INDICATOR_BY_KIND[service.kind])
        except S10Exhausted as exc:
            raise no_s10_left(exc.indicator) from None
    item = Item(center_id=center.id, s10=code, sale_line_id=line.id, service_id=service.id,
                weight_g=line.weight_g or 0, declared_value_minor=declared, **party)
    session.add(item)
    session.flush()
    session.add(TrackingEvent(center_id=center.id, item_id=item.id, kind="accepted",
                              office=center.name_en, user_id=clerk.id))
    return item


def refundable(session, original: Sale) -> dict[int, int]:
    """Per line id of ``original``: the quantity no void or refund has given back yet."""
    given = dict(session.execute(
        sa.select(SaleLine.original_line_id, sa.func.sum(SaleLine.quantity))
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(Sale.original_id == original.id, SaleLine.original_line_id.is_not(None))
        .group_by(SaleLine.original_line_id)).all())
    return {line.id: line.quantity - int(given.get(line.id) or 0) for line in original.lines}


def _share(amount: int, k: int, n: int) -> int:
    """``amount * k / n`` to the riel, half up on the magnitude."""
    q = (2 * abs(amount) * k + n) // (2 * n)
    return q if amount >= 0 else -q


def _part(line: SaleLine, given: int, quantity: int) -> dict:
    """Net and VAT of the units ``given + 1 .. given + quantity`` of ``line``: differences
    of running shares, so the parts of a line add up to the line exactly."""
    n = line.quantity
    return {"line": line, "quantity": quantity,
            "net_khr": _share(line.net_khr, given + quantity, n) - _share(line.net_khr, given, n),
            "vat_khr": _share(line.vat_khr, given + quantity, n) - _share(line.vat_khr, given, n)}


def _lock(session, original: Sale) -> None:
    """Serialise the voids and refunds of one sale: a no-op UPDATE row-locks it on
    PostgreSQL and takes SQLite's write lock, so what is left is read after any concurrent
    refund has committed; then its status is read again."""
    table = Sale.__table__
    session.execute(sa.update(table).where(table.c.id == original.id)
                    .values(status=table.c.status))
    session.refresh(original)


def _reverse(session, center, original: Sale, till: TillSession, user, kind: str,
             reason: str, parts: list[dict], due_khr: int, pay_back: list[tuple[str, int]],
             status: str, items: list[Item]) -> Sale:
    """The void or refund receipt: ``parts`` of the sale's lines given back (negative
    amounts, each line pointing to its sale line), ``due_khr`` riel paid back in all (its
    difference from the lines is the rounding line), ``pay_back`` by currency; ``items``
    (locked and checked by the caller) are cancelled, each with its tracking event."""
    net = sum(part["net_khr"] for part in parts)
    vat = sum(part["vat_khr"] for part in parts)
    record = Sale(center_id=center.id, number=_number(session, center), kind=kind,
                  session_id=till.id, clerk_id=user.id, original_id=original.id,
                  reason=reason, rate=original.rate, net_khr=-net, vat_khr=-vat,
                  total_khr=-(net + vat), rounding_khr=-(due_khr - net - vat),
                  paper=original.paper)
    session.add(record)
    session.flush()
    for part in parts:
        line = part["line"]
        session.add(SaleLine(
            center_id=center.id, sale_id=record.id, original_line_id=line.id,
            service_id=line.service_id, goods_id=line.goods_id,
            description_en=line.description_en, description_km=line.description_km,
            quantity=part["quantity"], weight_g=line.weight_g, zone=line.zone,
            unit_price_minor=line.unit_price_minor, unit_currency=line.unit_currency,
            net_khr=-part["net_khr"], vat_bp=line.vat_bp, vat_khr=-part["vat_khr"]))
        if line.goods_id:
            session.get(Goods, line.goods_id).stock += part["quantity"]
    for item in items:
        cancel_item(session, center, item, "voided" if kind == "void" else "refunded",
                    note=record.number, user=user)
    for cur, amount in pay_back:
        if amount:
            session.add(Payment(center_id=center.id, sale_id=record.id, currency=cur,
                                amount_minor=-amount))
    original.status = status
    audit.record(kind, original, session=session, changes={
        "reason": reason, "by": record.number,
        "quantities": {str(part["line"].id): part["quantity"] for part in parts},
        **({"items": [item.s10 or item.id for item in items]} if items else {})})
    session.flush()
    session.refresh(record)
    return record


def _check_reversible(original: Sale, reason: str, kind: str) -> None:
    if original.kind != "sale":
        raise SaleError(_l("Only a sale can be voided or refunded."))
    if kind == "void" and original.status == "partial":
        raise SaleError(_l("Part of this sale was refunded already: refund the rest instead "
                           "of voiding it."))
    if original.status not in ("issued", "partial"):
        raise SaleError(_l("This sale is already %(status)s.", status=original.status))
    if not reason.strip():
        raise SaleError(_l("Give the reason."), "reason")


def void_sale(session, center, original: Sale, till: TillSession, user, reason: str) -> Sale:
    """Cancel a sale in the session that made it: the cash taken is handed back as it came."""
    _check_reversible(original, reason, "void")
    if original.session_id != till.id or not till.is_open:
        raise SaleError(_l("A void is only possible in the open session of the sale; "
                           "make a refund instead."))
    _lock(session, original)
    _check_reversible(original, reason, "void")  # as a concurrent refund may have left it
    taken = {p.currency: p.amount_minor for p in original.payments}
    pay_back = [("KHR", taken.get("KHR", 0) - original.change_khr),
                ("USD", taken.get("USD", 0) - original.change_usd)]
    parts = [_part(line, 0, line.quantity) for line in original.lines]
    items = [item for item in _lock_items(session, original) if not cancelled(item)]
    _check_at_counter(items, "void")
    return _reverse(session, center, original, till, user, "void", reason.strip(), parts,
                    original.due_khr, pay_back, "voided", items)


def _tracked(line: SaleLine) -> bool:
    """A line whose items carry S10 numbers: a refund names the items it gives back."""
    return any(item.s10 for item in line.items)


def _live(line: SaleLine) -> list[Item]:
    """The items of ``line`` no void or refund has cancelled yet."""
    return sorted((item for item in line.items if not cancelled(item)), key=lambda i: i.id)


def _picks(original: Sale, items) -> dict[int, list[Item]]:
    """The S10 numbers ticked (spaces and case ignored), as items per line id of the
    sale; a number that is no item of this sale, or an item refunded already, is refused."""
    by_code = {item.s10: (line, item) for line in original.lines for item in line.items
               if item.s10}
    picked: dict[int, list[Item]] = {}
    for raw in items:
        code = "".join(str(raw).split()).upper()
        if not code:
            continue
        if code not in by_code:
            raise SaleError(_l("%(code)s is not an item of this sale.", code=code), "s10")
        line, item = by_code[code]
        if cancelled(item):
            raise SaleError(_l("Item %(code)s was refunded already.", code=code),
                            f"qty_{line.id}")
        if item not in picked.setdefault(line.id, []):
            picked[line.id].append(item)
    return picked


def _wanted(original: Sale, left: dict[int, int], quantities: dict | None,
            items=None) -> tuple[dict[int, int], list[Item]]:
    """The quantity to give back per line id, and the items to cancel; everything left
    when both ``quantities`` and ``items`` are None.

    A line whose items carry S10 numbers gives back the items ticked (``items``, S10
    numbers): its quantity follows from them, and a quantity typed for it must be that
    number. Other lines go by quantity; their items (without S10) are cancelled when the
    last unit of the line is given back."""
    if quantities is None and items is None:
        wanted = {line_id: n for line_id, n in left.items() if n > 0}
        return wanted, [item for line in original.lines if line.id in wanted
                        for item in _live(line)]
    lines = {line.id: line for line in original.lines}
    picked = _picks(original, items or ())
    typed: dict[int, int] = {}
    for key, quantity in (quantities or {}).items():
        line = lines.get(int(key))
        if line is None:
            raise SaleError(_l("That line is not on this sale."), "quantities")
        quantity = int(quantity or 0)
        if quantity < 0:
            raise SaleError(_l("A quantity to refund cannot be negative."), f"qty_{line.id}")
        if quantity:
            typed[line.id] = quantity
    wanted, cancel = {}, []
    for line in original.lines:
        field, quantity = f"qty_{line.id}", typed.get(line.id, 0)
        ticked = picked.get(line.id, [])
        if _tracked(line):
            if quantity and not ticked:
                raise SaleError(_l("Tick the S10 number of each item of %(line)s given back.",
                                   line=line.description_en), field)
            if quantity and quantity != len(ticked):
                raise SaleError(_l("%(line)s: %(n)s typed but %(ticked)s ticked; the quantity "
                                   "follows from the S10 numbers ticked.", n=quantity,
                                   line=line.description_en, ticked=len(ticked)), field)
            quantity = len(ticked)
        if not quantity:
            continue
        if not left[line.id]:
            raise SaleError(_l("%(line)s was refunded already.", line=line.description_en),
                            field)
        if quantity > left[line.id]:
            raise SaleError(_l("Only %(n)s of %(line)s can still be refunded.",
                               n=left[line.id], line=line.description_en), field)
        wanted[line.id] = quantity
        if ticked:
            cancel += ticked
        elif quantity == left[line.id]:  # the last units: its items (no S10) go too
            cancel += _live(line)
    return wanted, cancel


def _lock_items(session, original: Sale) -> list[Item]:
    """After :func:`_lock`: row-lock the sale's items too and read them again, so a
    dispatch recorded meanwhile (``services_items.record_event`` locks the item) is seen,
    and no dispatch can follow until this void or refund commits."""
    items = sorted((item for line in original.lines for item in line.items),
                   key=lambda i: i.id)
    if items:
        table = Item.__table__
        session.execute(sa.update(table).where(table.c.id.in_([i.id for i in items]))
                        .values(status=table.c.status))
        for item in items:
            session.refresh(item)
    return items


def _check_at_counter(items, kind: str) -> None:
    """Refuse the void or refund when one of ``items`` has left the counter (dispatched
    or later): the post has it, the customer does not."""
    for item in items:
        if left_counter(item):
            code = item.s10 or item.id
            if kind == "void":
                raise SaleError(_l("Item %(code)s has left the counter: the sale can no "
                                   "longer be voided.", code=code))
            raise SaleError(_l("Item %(code)s has left the counter: it can no longer be "
                               "refunded.", code=code), f"qty_{item.sale_line_id}")


def _refund_due(session, original: Sale, total_khr: int, rest: bool) -> int:
    """Riel paid back for a refund worth ``total_khr``. The refund that gives back the rest
    pays what the sale's amount due still holds; an earlier one pays the cash-rounded
    running total of the sale's refunds less what was paid back already. So every refund
    is payable in cash, and a sale's refunds add up to its amount due."""
    refunded, paid_back = (-int(x) for x in session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(Sale.total_khr), 0),
        sa.func.coalesce(sa.func.sum(Sale.total_khr + Sale.rounding_khr), 0)).where(
        Sale.original_id == original.id, Sale.kind == "refund")).one())
    if rest:
        return original.due_khr - paid_back
    return money.cash_round(money.khr(refunded + total_khr))[0].minor - paid_back


def refund_sale(session, center, original: Sale, till: TillSession, user, reason: str,
                currency: str = "KHR", quantities: dict | None = None,
                items=None) -> Sale:
    """Pay back a sale later, from ``till`` (open), at the sale's own rate, in ``currency``.

    ``quantities`` maps line ids of the sale to the quantity given back (a partial refund:
    never more than is left on the line after earlier refunds); ``items`` names by S10
    number the items given back, which fixes the quantity of their lines (see
    :func:`_wanted`); both None give back everything not refunded yet. An item that has
    left the counter (dispatched or later) cannot be refunded; each item given back is
    marked refunded with a tracking event. The sale reads ``partial`` until its last unit
    is refunded, then ``refunded``.
    """
    _check_reversible(original, reason, "refund")
    if not till.is_open:
        raise TillError(_l("Open a till session first."))
    if currency not in ("KHR", "USD"):
        raise SaleError(_l("Pay back in KHR or USD."), "currency")
    _lock(session, original)
    _check_reversible(original, reason, "refund")  # as a concurrent refund may have left it
    _lock_items(session, original)
    left = refundable(session, original)
    wanted, items = _wanted(original, left, quantities, items)
    if not wanted:
        raise SaleError(_l("Choose what to refund: tick an item or type a quantity on at "
                           "least one line."), "quantities")
    # the items given back, and those of a line of which only some units are: all still
    # at the counter (an item without S10 stands for every unit of its line)
    touched = {item.id: item for item in items}
    for line in original.lines:
        if line.id in wanted and not _tracked(line):
            touched.update((item.id, item) for item in _live(line))
    _check_at_counter(sorted(touched.values(), key=lambda i: i.id), "refund")
    parts = [_part(line, line.quantity - left[line.id], wanted[line.id])
             for line in original.lines if line.id in wanted]
    rest = all(wanted.get(line_id, 0) == n for line_id, n in left.items())
    due = _refund_due(session, original, sum(p["net_khr"] + p["vat_khr"] for p in parts), rest)
    amount = cash.khr_to_usd(due, original.rate) if currency == "USD" else due
    return _reverse(session, center, original, till, user, "refund", reason.strip(), parts,
                    due, [(currency, amount)], "refunded" if rest else "partial", items)
