"""Competition services: set-up, eligibility, windows, entries, submissions, judging.

Windows are half-open by the server's UTC clock: open at ``opens_at`` exactly, closed at
``closes_at`` exactly. Age is counted on the day registration closes, in the
competition's time zone (``timezones``: its center's, or ``CTC_TIMEZONE`` for a national one).
Judges may score an entry once it has a submission, until the results are frozen.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l

from core import clock
from core import files as stored_files
from core.extensions import db
from core.tenancy import PROVINCES, utcnow
from plugins.dcc import timezones
from plugins.dcc.affiliations import judge_affiliation, judge_member, member_affiliation
from plugins.dcc.competition_models import (
    AGGREGATIONS,
    Competition,
    CompetitionJudge,
    Criterion,
    Entry,
    EntryMember,
    JudgeAssignment,
    Prize,
    Score,
    Submission,
)
from plugins.dcc.members import DccError, age_on
from plugins.dcc.models import CATEGORIES, Member, Organisation
from plugins.dcc.opportunities import verified_organisation
from plugins.dcc.ranking import CriterionSpec, Ranked, rank_entries

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def window_open(opens_at: datetime, closes_at: datetime, now: datetime) -> bool:
    return opens_at <= now < closes_at


# -- set-up --------------------------------------------------------------------------------


DEFAULTS = (("allow_file", True), ("allow_link", True), ("team_entries", False),
            ("team_min", 1), ("team_max", 1), ("aggregation", "mean"),
            ("file_types", "pdf,zip,png,jpg"), ("max_file_kb", 5 * 1024),
            ("blind_judging", False), ("status", "draft"), ("rules", ""), ("title_km", ""))


def validate_setup(c: Competition) -> None:
    for attr, default in DEFAULTS:  # column defaults apply only at INSERT
        if getattr(c, attr) is None:
            setattr(c, attr, default)
    c.eligible_categories = list(c.eligible_categories or [])
    c.eligible_provinces = list(c.eligible_provinces or [])
    if not SLUG_RE.match(c.slug or ""):
        raise DccError("The short name uses lower-case letters, digits and dashes.")
    if not c.registration_opens_at < c.registration_closes_at:
        raise DccError("Registration must open before it closes.")
    if not c.submission_opens_at < c.submission_closes_at:
        raise DccError("Submissions must open before they close.")
    if c.submission_closes_at < c.registration_opens_at:
        raise DccError("Submissions cannot close before registration opens.")
    if any(cat not in CATEGORIES for cat in c.eligible_categories or []):
        raise DccError("Unknown category.")
    if any(p not in PROVINCES for p in c.eligible_provinces or []):
        raise DccError("Unknown province.")
    if c.min_age is not None and c.max_age is not None and c.min_age > c.max_age:
        raise DccError("The minimum age is above the maximum age.")
    if c.team_entries:
        if not 1 <= c.team_min <= c.team_max:
            raise DccError("Team sizes: 1 <= minimum <= maximum.")
    else:
        c.team_min = c.team_max = 1
    if c.aggregation not in AGGREGATIONS:
        raise DccError("Unknown aggregation.")
    if not (c.allow_file or c.allow_link):
        raise DccError("Allow a file, a link, or both.")


def save_competition(session, competition: Competition) -> Competition:
    validate_setup(competition)
    clash = session.execute(db.select(Competition.id).where(
        Competition.slug == competition.slug, Competition.id != (competition.id or 0))).first()
    if clash:
        raise DccError("Another competition has this short name.")
    session.add(competition)
    session.flush()
    return competition


def add_criterion(session, c: Competition, *, name_en: str, name_km: str = "", weight: int = 1,
                  min_score: int = 0, max_score: int = 10) -> Criterion:
    if c.status not in ("draft", "open"):
        raise DccError("The rubric cannot change once results are frozen.")
    if weight < 1 or min_score >= max_score:
        raise DccError("A criterion needs a weight of at least 1 and min < max.")
    position = max((x.position for x in c.criteria), default=0) + 1
    row = Criterion(competition_id=c.id, center_id=c.center_id, position=position, name_en=name_en, name_km=name_km,
                    weight=weight, min_score=min_score, max_score=max_score)
    session.add(row)
    session.flush()
    session.refresh(c)
    return row


def add_prize(session, c: Competition, *, rank: int, title_en: str, title_km: str = "",
              amount_minor: int = 0, currency: str = "USD") -> Prize:
    if rank < 1 or any(p.rank == rank for p in c.prizes):
        raise DccError("Each prize needs its own rank, from 1.")
    if currency not in ("USD", "KHR") or amount_minor < 0:
        raise DccError("A prize amount is a positive amount in USD or KHR.")
    row = Prize(competition_id=c.id, center_id=c.center_id, rank=rank, title_en=title_en, title_km=title_km,
                amount_minor=amount_minor, currency=currency)
    session.add(row)
    session.flush()
    session.refresh(c)
    return row


def add_judge(session, c: Competition, user, *, organisation_id: int | str | None = None,
              organisation_name: str = "") -> CompetitionJudge:
    """Put ``user`` on the panel with their organisation: a verified organisation of the
    national registry (``organisation_id``; any other id is refused) and/or a name typed
    for one that is not registered. With neither, a judge who is an approved DCC member
    takes the organisation of their own profile."""
    existing = next((j for j in c.judges if j.user_id == user.id), None)
    if existing:
        return existing
    name = (organisation_name or "").strip()
    org = verified_organisation(session, organisation_id)
    if org is None and not name:
        member = judge_member(session, user.id)
        if member is not None:
            org = session.get(Organisation, member.organisation_id) if member.organisation_id else None
            name = member.organisation_name or ""
    row = CompetitionJudge(competition_id=c.id, center_id=c.center_id, user_id=user.id,
                           organisation_id=org.id if org is not None else None,
                           organisation_name=name)
    session.add(row)
    session.flush()
    session.refresh(c)
    return row


def open_competition(session, c: Competition) -> None:
    if c.status != "draft":
        raise DccError("Only a draft competition can be opened.")
    if not c.criteria:
        raise DccError("Add the rubric's criteria first.")
    c.status = "open"
    session.flush()


# -- eligibility and entries ------------------------------------------------------------------


def ineligibility(c: Competition, member: Member) -> list[str]:
    """Why ``member`` may not enter ``c`` (empty: eligible)."""
    reasons = []
    if member.status != "approved":
        reasons.append("Only approved members can enter.")
    if c.eligible_categories and member.category not in c.eligible_categories:
        reasons.append("This competition is not open to your category.")
    if c.eligible_provinces and member.province_code not in c.eligible_provinces:
        reasons.append("This competition is not open to your province.")
    if c.min_age is not None or c.max_age is not None:
        age = age_on(member.date_of_birth, clock.date_of(c.registration_closes_at,
                                                           timezones.owner_center(c)))
        if age is None:
            reasons.append("Your date of birth is needed for this competition.")
        elif (c.min_age is not None and age < c.min_age) or (
                c.max_age is not None and age > c.max_age):
            reasons.append("Your age is outside this competition's limits.")
    return reasons


def create_entry(session, c: Competition, lead: Member, contacts: list[str] = (),
                 team_name: str = "", now: datetime | None = None) -> Entry:
    """The lead's entry; each contact typed gets an invitation (``teams``), whoever it
    belongs to. The team size counts the lead and the contacts; only the members who accept
    make the team (``teams.team_complete``)."""
    from plugins.dcc import teams

    now = now or utcnow()
    if c.status != "open":
        raise DccError("This competition is not taking entries.")
    if not window_open(c.registration_opens_at, c.registration_closes_at, now):
        raise DccError("Registration is closed.")
    invited = teams.clean_contacts(contacts, lead)
    if not c.team_entries and invited:
        raise DccError("This competition takes individual entries only.")
    if not c.team_min <= 1 + len(invited) <= c.team_max:
        raise DccError(_l("A team has %(min)s to %(max)s members.", min=c.team_min, max=c.team_max))
    if c.team_entries and not (team_name or "").strip():
        raise DccError("Give the team a name.")
    reasons = ineligibility(c, lead)  # the lead may read their own reasons
    if reasons:
        raise DccError(" ".join(reasons))
    if session.execute(db.select(EntryMember.id).where(
            EntryMember.competition_id == c.id, EntryMember.member_id == lead.id)).first():
        raise DccError("You have entered this competition already.")
    entry = Entry(competition_id=c.id, center_id=c.center_id, lead_member_id=lead.id,
                  team_name=(team_name or "").strip(), created_at=now)
    session.add(entry)
    session.flush()
    session.add(EntryMember(entry_id=entry.id, competition_id=c.id, center_id=c.center_id,
                            member_id=lead.id))
    session.add_all(teams.new_invitations(entry, invited, now))
    session.flush()
    session.refresh(entry)
    return entry


def upload_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "dcc_submissions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def submit(session, entry: Entry, *, instance_path: str, url: str = "",
           filename: str = "", data: bytes | None = None,
           now: datetime | None = None) -> Submission:
    """A new submission (the last one counts). Files get a random name, never the user's."""
    now = now or utcnow()
    c = entry.competition
    if entry.status != "active":
        raise DccError("This entry was disqualified.")
    if c.status != "open" or not window_open(c.submission_opens_at, c.submission_closes_at, now):
        raise DccError("Submissions are closed.")
    if c.team_entries and len(entry.members) < c.team_min:
        raise DccError(_l("Your team needs at least %(n)s members who accepted their "
                          "invitation before it can submit.", n=c.team_min))
    if data is not None:
        if not c.allow_file:
            raise DccError("This competition takes links only.")
        ext = Path(filename or "").suffix.lower().lstrip(".")
        allowed = [x.strip().lower() for x in c.file_types.split(",") if x.strip()]
        if ext not in allowed:
            raise DccError(_l("This type of file is not accepted: %(types)s.",
                               types=", ".join(allowed)))
        if len(data) > c.max_file_kb * 1024:
            raise DccError(_l("The file is larger than %(kb)s KB.", kb=c.max_file_kb))
        if not data:
            raise DccError("The file is empty.")
        stored = secrets.token_hex(16) + "." + ext
        target = upload_dir(instance_path) / stored
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        # gone again if the submission is not committed: no orphan file on disk
        stored_files.remove_on_rollback(session, target, root=upload_dir(instance_path))
        row = Submission(entry_id=entry.id, center_id=c.center_id, kind="file", stored_name=stored,
                         original_name=Path(filename).name[:200], size_bytes=len(data),
                         submitted_at=now)
    else:
        if not c.allow_link:
            raise DccError("This competition takes files only.")
        url = (url or "").strip()
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            raise DccError("Give a link that starts with https:// or http://.")
        row = Submission(entry_id=entry.id, center_id=c.center_id, kind="link", url=url[:500], submitted_at=now)
    session.add(row)
    session.flush()
    session.refresh(entry)
    return row


# -- judging --------------------------------------------------------------------------------


def conflict_reason(judge: CompetitionJudge, entry: Entry,
                    affiliation: tuple[set[int], set[str]] | None = None) -> str:
    """Why ``judge`` must not score ``entry`` ('' when no conflict is known): the judge is
    an entrant, or shares an organisation with one, by registry record or by name (a
    record's English or Khmer name, or a name typed; case and spaces ignored)."""
    ids, names = affiliation if affiliation is not None else judge_affiliation(db.session, judge)
    for em in entry.members:
        m = em.member
        if m.user_id is not None and m.user_id == judge.user_id:
            return "The judge is an entrant."
        member_ids, member_names = member_affiliation(m)
        if ids & member_ids or names & member_names:
            return "The judge and an entrant belong to the same organisation."
    return ""


def assign_judges(session, c: Competition) -> list[JudgeAssignment]:
    """Give every panel judge every active entry; conflicts are recused automatically."""
    created = []
    entries = session.execute(db.select(Entry).where(
        Entry.competition_id == c.id, Entry.status == "active")).scalars().all()
    existing = {(a.entry_id, a.judge_user_id) for a in session.execute(
        db.select(JudgeAssignment).where(JudgeAssignment.competition_id == c.id)).scalars()}
    affiliations = {judge.user_id: judge_affiliation(session, judge) for judge in c.judges}
    for entry in entries:
        for judge in c.judges:
            if (entry.id, judge.user_id) in existing:
                continue
            reason = conflict_reason(judge, entry, affiliations[judge.user_id])
            row = JudgeAssignment(competition_id=c.id, center_id=c.center_id, entry_id=entry.id,
                                  judge_user_id=judge.user_id, recused=bool(reason),
                                  recusal_reason=reason, recused_automatically=bool(reason))
            session.add(row)
            created.append(row)
    session.flush()
    return created


def withdraw_assignment(session, assignment: JudgeAssignment) -> None:
    """A moderator takes an entry away from a judge (kept as a recusal, so re-assigning
    the panel does not give it back)."""
    if assignment.entry.competition.status not in ("draft", "open"):
        raise DccError("The results are frozen.")
    assignment.recused = True
    assignment.recusal_reason = "Withdrawn by a moderator."
    session.flush()


def declare_conflict(session, assignment: JudgeAssignment, reason: str) -> None:
    if not (reason or "").strip():
        raise DccError("Say what the conflict of interest is.")
    if assignment.entry.competition.status not in ("draft", "open"):
        raise DccError("The results are frozen.")
    assignment.recused = True
    assignment.recusal_reason = reason.strip()
    session.flush()


def save_scores(session, assignment: JudgeAssignment, values: dict[int, int],
                now: datetime | None = None) -> None:
    c = assignment.entry.competition
    if assignment.recused:
        raise DccError("You are recused from this entry.")
    if c.status != "open":
        raise DccError("Scoring is closed: the results are frozen.")
    if assignment.entry.status != "active":
        raise DccError("This entry was disqualified.")
    if not assignment.entry.submissions:
        raise DccError("This entry has nothing to score yet.")
    clean = {}
    for criterion in c.criteria:  # validate every value before writing any
        if criterion.id not in values or values[criterion.id] is None:
            raise DccError(_l("Score every criterion (%(criterion)s is missing).",
                               criterion=criterion.name_en))
        value = int(values[criterion.id])
        if not criterion.min_score <= value <= criterion.max_score:
            raise DccError(_l("%(criterion)s: a score from %(low)s to %(high)s.",
                               criterion=criterion.name_en, low=criterion.min_score,
                               high=criterion.max_score))
        clean[criterion.id] = value
    by_id = {s.criterion_id: s for s in assignment.scores}
    for criterion_id, value in clean.items():
        row = by_id.get(criterion_id)
        if row is None:
            session.add(Score(assignment_id=assignment.id, center_id=c.center_id,
                              criterion_id=criterion_id, value=value))
        else:
            row.value = value
    assignment.submitted_at = now or utcnow()
    session.flush()
    session.refresh(assignment)


def ranking(session, c: Competition) -> list[Ranked]:
    """The live ranking of active entries with a submission, from complete, unrecused sheets.

    Reads plain rows (no ORM objects): it runs on every admin page view and at the freeze.
    """
    criteria = [CriterionSpec(x.id, x.position, x.weight, x.min_score, x.max_score)
                for x in c.criteria]
    submitted = dict(session.execute(
        db.select(Submission.entry_id, db.func.max(Submission.submitted_at))
        .join(Entry, Entry.id == Submission.entry_id)
        .where(Entry.competition_id == c.id, Entry.status == "active")
        .group_by(Submission.entry_id)).all())
    raw: dict[tuple[int, int], dict[int, int]] = {}
    rows = session.execute(
        db.select(JudgeAssignment.entry_id, JudgeAssignment.judge_user_id, Score.criterion_id,
                  Score.value)
        .join(Score, Score.assignment_id == JudgeAssignment.id)
        .where(JudgeAssignment.competition_id == c.id, JudgeAssignment.recused.is_(False)))
    for entry_id, judge_id, criterion_id, value in rows:
        raw.setdefault((entry_id, judge_id), {})[criterion_id] = value
    wanted = {x.id for x in criteria}
    sheets = {key: values for key, values in raw.items()
              if wanted and wanted <= set(values) and key[0] in submitted}
    return rank_entries(criteria, submitted, sheets, c.aggregation)
