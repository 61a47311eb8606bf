"""The fixed vocabularies of the inventory: codes stored in the database, labels shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "desktop": _l("Desktop computer"),
    "laptop": _l("Laptop"),
    "tablet": _l("Tablet"),
    "monitor": _l("Monitor"),
    "projector": _l("Projector"),
    "printer": _l("Printer"),
    "network": _l("Network equipment"),
    "power": _l("UPS / power"),
    "furniture": _l("Furniture"),
    "tool": _l("Tool"),
    "other": _l("Other"),
}

LOCATIONS = {
    "computer_lab": _l("Computer lab"),
    "training_room": _l("Training room"),
    "post_office": _l("Post office"),
    "public_hall": _l("Public hall"),
    "store": _l("Store"),
}

CONDITIONS = {
    "new": _l("New"),
    "good": _l("Good"),
    "fair": _l("Fair"),
    "poor": _l("Poor"),
    "broken": _l("Broken"),
}

STATUSES = {
    "in_service": _l("In service"),
    "on_loan": _l("On loan"),
    "under_repair": _l("Under repair"),
    "retired": _l("Retired"),
    "lost": _l("Lost"),
}

CURRENCIES = ("USD", "KHR")

BORROWER_KINDS = {
    "staff": _l("Staff member"),
    "trainee": _l("Trainee"),
    "community": _l("Community member"),
}

PRIORITIES = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}

TICKET_KINDS = {
    "corrective": _l("Repair"),
    "preventive": _l("Preventive maintenance"),
}

TICKET_STATUSES = {
    "reported": _l("Reported"),
    "diagnosing": _l("Diagnosing"),
    "waiting_parts": _l("Waiting for parts"),
    "repaired": _l("Repaired"),
    "unrepairable": _l("Unrepairable"),
    "closed": _l("Closed"),
}

# The status flow of a repair ticket: where each status may go next.
TICKET_FLOW = {
    "reported": ("diagnosing", "repaired", "unrepairable"),
    "diagnosing": ("waiting_parts", "repaired", "unrepairable"),
    "waiting_parts": ("diagnosing", "repaired", "unrepairable"),
    "repaired": ("closed",),
    "unrepairable": ("closed",),
    "closed": (),
}
OPEN_TICKET_STATUSES = ("reported", "diagnosing", "waiting_parts")

MOVEMENT_KINDS = {
    "receive": _l("Receive"),
    "issue": _l("Issue"),
    "adjust": _l("Adjustment"),
    "transfer": _l("Transfer"),
}

STOCKTAKE_STATUSES = {
    "open": _l("Counting"),
    "posted": _l("Posted"),
}


def label(mapping: dict, code) -> str:
    """The label of ``code`` in ``mapping``, or the code itself when unknown."""
    value = mapping.get(code)
    return str(value) if value is not None else (code or "")


# How the asset history names its fields and shows their values.
FIELD_LABELS = {
    "category": _l("Category"), "make": _l("Make"), "model": _l("Model"),
    "serial": _l("Serial number"), "location": _l("Location"), "condition": _l("Condition"),
    "status": _l("Status"), "purchase_date": _l("Purchase date"), "cost_minor": _l("Cost"),
    "currency": _l("Currency"), "funding_source": _l("Funding source"),
    "warranty_end": _l("Warranty ends"), "custodian_id": _l("Custodian"),
    "custodian_name": _l("Custodian"), "notes": _l("Notes"),
}
FIELD_CHOICES = {"category": CATEGORIES, "location": LOCATIONS, "condition": CONDITIONS,
                 "status": STATUSES}


def history_value(field: str, value: str) -> str:
    """A value of the asset history as the user reads it (labels for codes, the custodian's
    name for a user id)."""
    if field in FIELD_CHOICES and value:
        return label(FIELD_CHOICES[field], value)
    if field == "custodian_id" and value:
        from core.auth.models import User
        from core.extensions import db

        user = db.session.get(User, int(value)) if str(value).isdigit() else None
        return (user.full_name or user.username) if user is not None else value
    return value


def created_values(text: str) -> list[tuple[str, str]]:
    """The initial values a "created" history entry carries (``field=value`` lines), as
    (field label, value shown) pairs."""
    out = []
    for line in (text or "").splitlines():
        field, _sep, value = line.partition("=")
        if field in FIELD_LABELS:
            out.append((str(FIELD_LABELS[field]), history_value(field, value)))
    return out
