"""PDF documents of the counter: receipts (kept once issued), labels, CN23, X/Z reports.

Contexts are built here from the records with every amount already formatted; templates in
documents/postal/ only lay them out, Khmer first and English below.
"""

from __future__ import annotations

from core import clock, documents, phones
from core.money import format_minor
from plugins.postal import cash
from plugins.postal.s10 import grouped
from plugins.postal.services_items import place_name

KIND_TITLES = {
    "sale": ("បង្កាន់ដៃ", "RECEIPT"),
    "void": ("បង្កាន់ដៃលុបចោល", "VOID"),
    "refund": ("បង្កាន់ដៃសងប្រាក់វិញ", "REFUND"),
}


def _khr(minor: int) -> str:
    return format_minor(minor, "KHR")  # bilingual documents: Western digits


def _usd(minor: int) -> str:
    return format_minor(minor, "USD")


def center_context(center) -> dict:
    return {"name_km": center.name_km, "name_en": center.name_en, "address": center.address,
            "phone": phones.display(center.phone), "code": center.code}


def receipt_context(sale, base_url: str) -> dict:
    """Everything the receipt prints, formatted. ``base_url`` ends with a slash."""
    center = sale.center
    lines, vat_rates, codes = [], {}, []
    for line in sale.lines:
        lines.append({
            "km": line.description_km or line.description_en, "en": line.description_en,
            "qty": line.quantity, "weight": f"{line.weight_g:,} g" if line.weight_g else "",
            "zone": line.zone if line.zone not in ("", "DOM") else "",
            "unit": format_minor(line.unit_price_minor, line.unit_currency),
            "amount": _khr(line.net_khr),
            "s10": [grouped(i.s10) for i in line.items if i.s10],
        })
        vat_rates.setdefault(line.vat_bp, [0, 0])
        vat_rates[line.vat_bp][0] += line.net_khr
        vat_rates[line.vat_bp][1] += line.vat_khr
        codes += [i.s10 for i in line.items if i.s10]
    paid = {p.currency: p.amount_minor for p in sale.payments}
    # a void/refund: negative payments went out of the drawer (paid back), positive ones
    # came in (change handed back by the customer); both are printed without a sign
    back = {cur: -paid[cur] for cur in paid if sale.kind != "sale" and paid[cur] < 0}
    received = {cur: paid[cur] for cur in paid if sale.kind != "sale" and paid[cur] > 0}
    km, en = KIND_TITLES[sale.kind]
    return {
        "center": center_context(center), "number": sale.number, "kind": sale.kind,
        "title_km": km, "title_en": en,
        "original": sale.original.number if sale.original_id else "",
        "reason": sale.reason,
        "issued_at": clock.to_local(sale.created_at, center).strftime("%Y-%m-%d %H:%M"),
        "clerk": sale.clerk.full_name or sale.clerk.username,
        "lines": lines,
        "vat": [{"rate": f"{bp / 100:g}%", "base": _khr(base), "vat": _khr(vat)}
                for bp, (base, vat) in sorted(vat_rates.items())],
        "net": _khr(sale.net_khr), "vat_total": _khr(sale.vat_khr),
        "total": _khr(sale.total_khr),
        "rounding": _khr(sale.rounding_khr) if sale.rounding_khr else "",
        "due": _khr(sale.due_khr),
        "due_usd": _usd(cash.khr_to_usd(sale.due_khr, sale.rate)),
        "rate": f"$1 = {_khr(sale.rate)}",
        "paid_khr": _khr(paid["KHR"]) if sale.kind == "sale" and paid.get("KHR") else "",
        "paid_usd": _usd(paid["USD"]) if sale.kind == "sale" and paid.get("USD") else "",
        "back_khr": _khr(back["KHR"]) if back.get("KHR") else "",
        "back_usd": _usd(back["USD"]) if back.get("USD") else "",
        "received_khr": _khr(received["KHR"]) if received.get("KHR") else "",
        "received_usd": _usd(received["USD"]) if received.get("USD") else "",
        "change_khr": _khr(sale.change_khr) if sale.change_khr else "",
        "change_usd": _usd(sale.change_usd) if sale.change_usd else "",
        "tracking": [{"code": grouped(c), "url": f"{base_url}track/{c}"} for c in codes],
    }


def render_receipt(sale, base_url: str, *, copy: bool = False) -> bytes:
    return documents.render_pdf("postal/receipt.html", receipt_context(sale, base_url),
                                sale.paper, copy=copy)


def issued_receipt(session, sale, base_url: str, *, copy: bool = False) -> bytes:
    """The receipt as issued: rendered the first time, then read back unchanged.

    The reprint (``copy=True``) is the same receipt marked COPY, also kept once made.
    The caller commits.
    """
    attr = "receipt_copy_pdf" if copy else "receipt_pdf"
    stored = getattr(sale, attr)
    if stored is None:
        stored = render_receipt(sale, base_url, copy=copy)
        setattr(sale, attr, stored)
        session.flush()
    return stored


def _party(item, prefix: str) -> dict:
    get = lambda key: getattr(item, f"{prefix}_{key}") or ""  # noqa: E731
    country = get("country")
    place = place_name(get("province"), get("district"), get("commune"), "en")
    place_km = place_name(get("province"), get("district"), get("commune"), "km")
    # Papers that cross a border print numbers as dialled from abroad.
    phone = phones.display(get("phone"), international=item.international)
    return {"name": get("name"), "phone": phone, "address": get("address"),
            "place": place, "place_km": place_km,
            "country": "" if country == "KH" else country}


def size_class(length: int, steps: tuple[int, ...]) -> str:
    """A smaller type step for a block holding more characters: "" up to ``steps[0]``,
    then "size-m", "size-s", "size-xs" (a label has a fixed size; long names and addresses
    wrap at a smaller size rather than run off it)."""
    names = ("size-m", "size-s", "size-xs")
    return next((names[i] for i in reversed(range(len(steps))) if length > steps[i]), "")


def _party_length(party: dict) -> int:
    return sum(len(party[k]) for k in ("name", "phone", "address", "place", "place_km"))


#: Copyfitting of the 100 × 150 mm label: the characters it prints (service and office
#: names, both parties) choose one type step for all its blocks ("", then size-m, size-s,
#: size-xs above these). Measured with Latin capitals, the widest text: Khmer takes less.
LABEL_STEPS = (200, 330, 560)


def label_length(context: dict) -> int:
    return (len(context["service_km"]) + len(context["service_en"]) + len(context["office_km"])
            + len(context["office"]) + _party_length(context["sender"])
            + _party_length(context["addressee"]))


def _cn22_length(cn22: dict) -> int:
    return len(cn22["explanation"]) + sum(len(line["description"]) for line in cn22["lines"])


def label_sizes(context: dict) -> dict:
    """The type step of each block of a label (see label.css)."""
    step = size_class(label_length(context), LABEL_STEPS)
    head = "size-s" if step == "size-xs" else step
    cn22 = context["cn22"]
    return {"head": head, "office": head, "sender": step, "addressee": step,
            "cn22": size_class(_cn22_length(cn22), (150, 350)) if cn22 else ""}


def label_context(item, base_url: str) -> dict:
    service = item.service
    sale_line = item.sale_line
    paid = _khr(sale_line.net_khr + sale_line.vat_khr) if sale_line else ""
    decl = item.customs
    context = {
        "service_km": service.name_km, "service_en": service.name_en,
        "s10": item.s10 or "", "s10_grouped": grouped(item.s10) if item.s10 else "",
        "weight": f"{item.weight_g:,} g", "paid": paid,
        "date": clock.to_local(item.created_at, item.center).strftime("%Y-%m-%d"),
        "office": item.center.name_en, "office_km": item.center.name_km,
        "sender": _party(item, "sender"), "addressee": _party(item, "addressee"),
        "track_url": f"{base_url}track/{item.s10}" if item.s10 else "",
        "cn22": customs_context(decl) if decl is not None and decl.form == "CN22" else None,
    }
    context["sizes"] = label_sizes(context)
    return context


def label_contexts(item, base_url: str) -> list[dict]:
    """The labels of an item: its address label, then its CN22 on a label of its own
    (``cn22_label``), as a separate CN22 sticker would be: a 100 × 150 mm label has no room
    for a declaration beside the addresses, the barcode and the QR code."""
    context = label_context(item, base_url)
    if not context["cn22"]:
        return [context]
    return [context, {**context, "cn22_label": True}]


def render_label(item, base_url: str) -> bytes:
    contexts = label_contexts(item, base_url)
    if len(contexts) == 1:
        return documents.render_pdf("postal/label.html", contexts[0], "label-100x150")
    return documents.render_batch("postal/label.html", contexts, "label-100x150")


LABEL_SHEET = dict(columns=2, rows=2, gap_mm=4, margin_mm=(6, 6, 6, 6), font_size_pt=9)


def render_label_sheet(items, base_url: str) -> bytes:
    """Four labels on an A4 sheet (2 × 2); an item's CN22 takes the cell after its label."""
    fmt = documents.get_format("a4-label-sheet", **LABEL_SHEET)
    return documents.render_batch("postal/label.html",
                                  [c for i in items for c in label_contexts(i, base_url)], fmt)


CATEGORY_LABELS = {
    "gift": ("អំណោយ", "Gift"), "documents": ("ឯកសារ", "Documents"),
    "sample": ("គំរូពាណិជ្ជកម្ម", "Commercial sample"),
    "returned": ("ទំនិញប្រគល់ត្រឡប់", "Returned goods"),
    "sale": ("លក់ទំនិញ", "Sale of goods"), "other": ("ផ្សេងៗ", "Other"),
}


def customs_context(decl) -> dict:
    item = decl.item
    return {
        "form": decl.form, "category": decl.category, "categories": CATEGORY_LABELS,
        "explanation": decl.explanation, "gross_weight": f"{decl.gross_weight_g:,} g",
        "total_value": format_minor(decl.total_value_minor, decl.currency),
        "lines": [{"description": line.description, "quantity": line.quantity,
                   "weight": f"{line.net_weight_g:,} g",
                   "value": format_minor(line.value_minor, decl.currency),
                   "hs_code": line.hs_code, "origin": line.origin_country}
                  for line in decl.lines],
        "s10": item.s10 or "", "sender": _party(item, "sender"),
        "addressee": _party(item, "addressee"),
        "date": clock.to_local(item.created_at, item.center).strftime("%Y-%m-%d"),
        "office": item.center.name_en,
    }


def render_cn23(decl) -> bytes:
    return documents.render_pdf("postal/cn23.html", customs_context(decl), "a4-portrait")


def till_report_context(till, totals: dict) -> dict:
    center = till.center
    kind = "Z" if till.closed_at else "X"
    diff = totals["difference"]
    return {
        "center": center_context(center), "kind": kind, "counter": till.counter,
        "clerk": till.clerk.full_name or till.clerk.username,
        "opened": clock.to_local(till.opened_at, center).strftime("%Y-%m-%d %H:%M"),
        "closed": clock.to_local(till.closed_at, center).strftime("%Y-%m-%d %H:%M") if till.closed_at
        else "",
        "services": [{"name": name, "count": row["count"], "net": _khr(row["net_khr"]),
                      "vat": _khr(row["vat_khr"])} for name, row in totals["by_service"].items()],
        "kinds": {k: {"count": v["count"], "total": _khr(v["total_khr"])}
                  for k, v in totals["by_kind"].items()},
        "net": _khr(totals["net_khr"]), "vat": _khr(totals["vat_khr"]),
        "total": _khr(totals["total_khr"]), "rounding": _khr(totals["rounding_khr"]),
        "rates": ", ".join(f"$1 = {_khr(r)}" for r in totals["rates"]) or "-",
        "float_khr": _khr(till.float_khr), "float_usd": _usd(till.float_usd),
        "paid_khr": _khr(totals["paid"]["KHR"]), "paid_usd": _usd(totals["paid"]["USD"]),
        "back_khr": _khr(totals["paid_back"]["KHR"]),
        "back_usd": _usd(totals["paid_back"]["USD"]),
        "received_khr": _khr(totals["received_back"]["KHR"]),
        "received_usd": _usd(totals["received_back"]["USD"]),
        "change_khr": _khr(totals["change"]["KHR"]), "change_usd": _usd(totals["change"]["USD"]),
        "in_khr": _khr(totals["moved"][("in", "KHR")]),
        "in_usd": _usd(totals["moved"][("in", "USD")]),
        "out_khr": _khr(totals["moved"][("out", "KHR")]),
        "out_usd": _usd(totals["moved"][("out", "USD")]),
        "expected_khr": _khr(totals["expected"]["KHR"]),
        "expected_usd": _usd(totals["expected"]["USD"]),
        "counted_khr": _khr(totals["counted"]["KHR"]) if diff["KHR"] is not None else "",
        "counted_usd": _usd(totals["counted"]["USD"]) if diff["USD"] is not None else "",
        "diff_khr": _khr(diff["KHR"]) if diff["KHR"] is not None else "",
        "diff_usd": _usd(diff["USD"]) if diff["USD"] is not None else "",
    }


def render_till_report(till, totals: dict) -> bytes:
    return documents.render_pdf("postal/till_report.html", till_report_context(till, totals),
                                "receipt-80mm")
