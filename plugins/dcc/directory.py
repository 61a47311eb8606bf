"""The directory: what a viewer may see of a member, search, and the CSV export.

Viewer levels: ``"public"`` (anyone, including staff), ``"members"`` (an approved DCC
member), ``"all"`` (the member themself, or a moderator's screen). Only members who are
approved and consent to the directory are listed. A search filter on a field counts only
when that field is visible to the viewer: a member whose province is private never turns
up in a search by province, or the search would reveal it.
"""

from __future__ import annotations

from core.exports import to_csv
from core.extensions import db
from core.tenancy import PROVINCES
from plugins.dcc.models import VISIBLE_FIELDS, Member, MemberSkill

DIRECTORY_FIELDS = [f for f in VISIBLE_FIELDS]
BATCH = 500


def allowed(member: Member, field: str, level: str) -> bool:
    if level == "all":
        return True
    vis = member.visibility_of(field)
    return vis == "public" or (level == "members" and vis == "members")


def field_value(member: Member, field: str, locale: str = "en"):
    if field == "province_code":
        p = PROVINCES.get(member.province_code)
        return (p.name_kh if locale.startswith("km") else p.name_en) if p else ""
    if field == "organisation":
        return member.organisation_label
    if field == "date_of_birth":
        return member.date_of_birth.isoformat() if member.date_of_birth else ""
    if field == "skills":
        return [(s.skill.name_km if locale.startswith("km") and s.skill.name_km
                 else s.skill.name_en, s.level) for s in member.skills]
    if field == "credentials":
        return [(c.title_km if locale.startswith("km") and c.title_km else c.title_en,
                 c.number, c.issued_on.isoformat() if c.issued_on else "")
                for c in member.credentials]
    return getattr(member, field, "") or ""


def visible_profile(member: Member, level: str, locale: str = "en") -> dict:
    """Only the fields ``level`` may see, with values ready to print."""
    return {f: field_value(member, f, locale) for f in DIRECTORY_FIELDS
            if allowed(member, f, level)}


def can_view_listing(member: Member | None) -> bool:
    return member is not None and member.status == "approved" and member.listed


def search(session, *, level: str, skill_id: int | None = None, min_level: int | None = None,
           province: str | None = None, category: str | None = None, text: str | None = None,
           offset: int = 0, limit: int = 50) -> tuple[list[tuple[Member, dict]], bool]:
    """Listed members matching every filter through visible fields only; (page, more?).

    SQL narrows on the raw values; visibility (a JSON column) is checked in Python on
    light (id, visibility, names) rows; only the page's members are loaded as objects.
    """
    q = db.select(Member.id, Member.visibility, Member.name_en, Member.name_km).where(
        Member.listed.is_(True), Member.status == "approved")
    needed = []
    if province:
        q = q.where(Member.province_code == province)
        needed.append("province_code")
    if category:
        q = q.where(Member.category == category)
        needed.append("category")
    if skill_id:
        sub = db.select(MemberSkill.member_id).where(MemberSkill.skill_id == skill_id)
        if min_level:
            sub = sub.where(MemberSkill.level >= int(min_level))
        q = q.where(Member.id.in_(sub))
        needed.append("skills")
    text = (text or "").strip()
    if text:
        q = q.where(db.or_(db.func.lower(Member.name_en).like(f"%{text.lower()}%"),
                           Member.name_km.like(f"%{text}%")))
    q = q.order_by(Member.id)
    found: list[int] = []
    want = offset + limit + 1
    result = session.execute(q.execution_options(yield_per=BATCH))
    try:
        for row in result:
            probe = _Probe(row.visibility)
            if not all(allowed(probe, f, level) for f in needed):
                continue
            if text and not _text_visible(probe, row.name_en, row.name_km, text, level):
                continue
            found.append(row.id)
            if len(found) >= want:
                break
    finally:
        result.close()
    page_ids = found[offset:offset + limit]
    members = {m.id: m for m in session.execute(
        db.select(Member).where(Member.id.in_(page_ids))).scalars()} if page_ids else {}
    return ([(members[i], visible_profile(members[i], level)) for i in page_ids],
            len(found) > offset + limit)


class _Probe:
    """Just enough of a member for :func:`allowed`."""

    def __init__(self, visibility):
        self.visibility = visibility or {}

    visibility_of = Member.visibility_of


def _text_visible(member, name_en: str, name_km: str, text: str, level: str) -> bool:
    lowered = text.lower()
    return ((allowed(member, "name_en", level) and lowered in (name_en or "").lower())
            or (allowed(member, "name_km", level) and text in (name_km or "")))


def export_csv(session, *, level: str, **filters) -> str:
    """The directory as CSV, with the same visibility as the screen (empty when hidden)."""
    rows, _more = search(session, level=level, offset=0, limit=100_000, **filters)
    columns = [f for f in DIRECTORY_FIELDS if f not in ("credentials",)]
    lines = [["profile", *columns]]
    for member, visible in rows:
        line = [member.token]
        for f in columns:
            value = visible.get(f, "")
            if f == "skills" and value:
                value = "; ".join(f"{name} ({lvl})" for name, lvl in value)
            line.append(value)
        lines.append(line)
    return to_csv(lines)  # every text cell through the formula guard
