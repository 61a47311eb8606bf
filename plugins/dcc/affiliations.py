"""Who belongs to which organisation, for the judges' conflict check (``competitions``).

Both sides name their organisation the same two ways: a record of the national registry
(a judge's chosen for the panel or on their own DCC profile; an entrant's on their profile,
chosen from the verified organisations) and a name typed for one that is not registered.
Records match by id; names match a record's English or Khmer name or a typed name, case
and spaces ignored.
"""

from __future__ import annotations

from core.extensions import db
from plugins.dcc.competition_models import CompetitionJudge
from plugins.dcc.models import Member, Organisation


def judge_member(session, user_id: int) -> Member | None:
    """The approved DCC member whose core user is ``user_id``, if the judge is one."""
    return session.execute(db.select(Member).where(
        Member.user_id == user_id, Member.status == "approved")).scalar_one_or_none()


def _norm(text: str) -> str:
    return " ".join((text or "").lower().split())


def _org_names(org: Organisation | None) -> set[str]:
    return {_norm(org.name_en), _norm(org.name_km)} if org is not None else set()


def judge_affiliation(session, judge: CompetitionJudge) -> tuple[set[int], set[str]]:
    """The organisations ``judge`` belongs to, as (record ids, normalised names): the one
    chosen or typed for the panel, and, for a judge who is an approved DCC member, the one
    on their own profile as it is now."""
    ids, names = set(), {_norm(judge.organisation_name)}
    org_ids = [judge.organisation_id]
    member = judge_member(session, judge.user_id)
    if member is not None:
        org_ids.append(member.organisation_id)
        names.add(_norm(member.organisation_name))
    for org_id in filter(None, org_ids):
        ids.add(org_id)
        names |= _org_names(session.get(Organisation, org_id))
    names.discard("")
    return ids, names


def member_affiliation(m: Member) -> tuple[set[int], set[str]]:
    """An entrant's organisations: the registry record on their profile and the name typed."""
    org = m.organisation
    if org is None and m.organisation_id:  # set by id, relationship not refreshed
        org = db.session.get(Organisation, m.organisation_id)
    names = _org_names(org) | {_norm(m.organisation_name)}
    names.discard("")
    return ({m.organisation_id} if m.organisation_id else set()), names
