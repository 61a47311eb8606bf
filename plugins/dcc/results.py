"""Results: freeze, publish, disqualify and reallocate prizes, issue certificates.

Freezing stores the ranking (:class:`ResultRow`) and stops scoring; publishing shows it to
the public. Disqualifying an entry after the freeze removes it from the ranking, moves
everyone below it up one rank, gives the prizes again by the new ranks, revokes the
certificates that no longer hold, and writes the before and after into the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from core import audit, clock
from core.extensions import db
from core.tenancy import utcnow
from plugins.dcc.competition_models import (
    Competition,
    DccCertificate,
    Entry,
    ResultRow,
)
from plugins.dcc.competitions import ranking
from plugins.dcc.members import DccError

CERTIFICATE_SERIES = "dcc-certificate"


def result_rows(session, c: Competition) -> list[ResultRow]:
    return list(session.execute(db.select(ResultRow).where(
        ResultRow.competition_id == c.id).order_by(ResultRow.position)).scalars())


def _snapshot(rows: list[ResultRow]) -> list[dict]:
    return [{"entry_id": r.entry_id, "rank": r.rank, "prize_id": r.prize_id} for r in rows]


def _give_prizes(c: Competition, rows: list[ResultRow]) -> None:
    by_rank = {p.rank: p for p in c.prizes}
    for row in rows:
        prize = by_rank.get(row.rank) if row.rank is not None else None
        row.prize_id = prize.id if prize else None


def freeze(session, c: Competition, now: datetime | None = None) -> list[ResultRow]:
    if c.status != "open":
        raise DccError("Only an open competition can be frozen.")
    ranked = ranking(session, c)
    if not ranked:
        raise DccError("No entry has a complete score sheet yet.")
    rows = [ResultRow(competition_id=c.id, center_id=c.center_id, entry_id=r.entry_id, position=r.rank, rank=r.rank,
                      score=f"{r.score:.6f}") for r in ranked]
    _give_prizes(c, rows)
    session.add_all(rows)
    c.status = "frozen"
    c.frozen_at = now or utcnow()
    session.flush()
    audit.record("dcc.results.freeze", c, center_id=c.center_id,
                 changes={"ranking": _snapshot(rows), "method": c.aggregation}, session=session)
    return rows


def publish(session, c: Competition, now: datetime | None = None) -> None:
    if c.status != "frozen":
        raise DccError("Freeze the results before publishing them.")
    c.status = "published"
    c.published_at = now or utcnow()
    audit.record("dcc.results.publish", c, center_id=c.center_id, session=session)
    session.flush()


def disqualify(session, entry: Entry, reason: str, now: datetime | None = None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DccError("Give the reason for the disqualification.")
    if entry.status == "disqualified":
        raise DccError("This entry is disqualified already.")
    c = entry.competition
    entry.status = "disqualified"
    entry.disqualified_reason = reason
    rows = result_rows(session, c)
    before = _snapshot(rows)
    if rows:
        rank = 0
        for row in rows:
            if row.entry.status == "disqualified":
                row.rank = None
            else:
                rank += 1
                row.rank = rank
        _give_prizes(c, rows)
    session.flush()
    after = _snapshot(rows)
    revoked = _revoke_stale_certificates(session, c, rows,
                                         "Disqualified: " + reason, entry.id)
    audit.record("dcc.results.reallocate", c, center_id=c.center_id, session=session,
                 changes={"disqualified_entry": entry.id, "reason": reason,
                          "before": before, "after": after, "revoked_certificates": revoked})
    session.flush()


def _revoke_stale_certificates(session, c, rows, reason, disqualified_id) -> list[str]:
    by_entry = {r.entry_id: r for r in rows}
    revoked = []
    for cert in session.execute(db.select(DccCertificate).where(
            DccCertificate.competition_id == c.id, DccCertificate.status == "valid")).scalars():
        row = by_entry.get(cert.entry_id)
        stale = cert.entry_id == disqualified_id or (
            cert.kind == "award" and (row is None or row.rank != cert.rank or row.prize_id is None))
        if stale:
            cert.status = "revoked"
            cert.revoked_reason = reason if cert.entry_id == disqualified_id else (
                "Prizes were reallocated after a disqualification.")
            revoked.append(cert.number)
    return revoked


# -- certificates ------------------------------------------------------------------------------


def allocate_number(session, c: Competition, now: datetime) -> str:
    """The certificate's number: the center's series for a center competition, the
    national series (core.sequences with no center) for a national one. Gapless."""
    from core.sequences import allocate

    if c.center is not None:
        return allocate(session, c.center, CERTIFICATE_SERIES,
                        pattern="DCC-{center}-{year}-{n:06d}", on=now)
    return allocate(session, None, CERTIFICATE_SERIES, pattern="DCC-{year}-{n:06d}", on=now)


def issue_certificates(session, c: Competition, now: datetime | None = None
                       ) -> list[DccCertificate]:
    """Award certificates for prize winners, participation ones for every submitted entry.

    Idempotent: a member who holds a valid certificate of the kind (and, for awards, of the
    same rank) gets nothing new.
    """
    now = now or utcnow()
    if c.status != "published":
        raise DccError("Publish the results before issuing certificates.")
    existing = {(x.entry_id, x.member_id, x.kind, x.rank) for x in session.execute(
        db.select(DccCertificate).where(DccCertificate.competition_id == c.id,
                                        DccCertificate.status == "valid")).scalars()}
    created = []

    def make(entry, member, kind, rank=None, prize=None):
        key = (entry.id, member.id, kind, rank)
        if key in existing or member.status == "deleted":
            return
        cert = DccCertificate(
            competition_id=c.id, center_id=c.center_id, entry_id=entry.id, member_id=member.id,
            kind=kind,
            number=allocate_number(session, c, now), holder_name_en=member.name_en,
            holder_name_km=member.name_km, rank=rank, issued_at=now,
            prize_title_en=prize.title_en if prize else "",
            prize_title_km=prize.title_km if prize else "")
        session.add(cert)
        existing.add(key)
        created.append(cert)

    for row in result_rows(session, c):
        if row.prize is not None and row.entry.status == "active":
            for em in row.entry.members:
                make(row.entry, em.member, "award", row.rank, row.prize)
    entries = session.execute(db.select(Entry).where(
        Entry.competition_id == c.id, Entry.status == "active")).scalars().all()
    for entry in entries:
        if entry.submissions:
            for em in entry.members:
                make(entry, em.member, "participation")
    session.flush()
    return created


def certificate_context(cert: DccCertificate, verify_url: str) -> dict:
    c = cert.competition
    center = c.center
    return {
        "title": cert.number,
        "cert": cert,
        "competition": c,
        "center_name_en": center.name_en if center else "Ministry of Post and Telecommunications",
        "center_name_km": center.name_km if center else "ក្រសួងប្រៃសណីយ៍និងទូរគមនាគមន៍",
        "issued_on": clock.date_of(cert.issued_at),
        "verify_url": verify_url,
        "code": cert.code,
    }
