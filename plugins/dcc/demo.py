"""Demo data: a small skills taxonomy, members, an organisation with an opportunity, and per
center a judged, published competition with certificates. Idempotent (natural keys)."""

from __future__ import annotations

from datetime import date, timedelta

from werkzeug.security import generate_password_hash

from core.auth.models import User
from core.extensions import db
from core.tenancy import utcnow
from plugins.dcc import competitions as comp
from plugins.dcc import members as svc
from plugins.dcc import opportunities as opp_svc
from plugins.dcc import results
from plugins.dcc.competition_models import Competition
from plugins.dcc.models import (
    CONSENT_KINDS,
    CONTACT_HOLDING_STATUSES,
    PRIVACY_TERMS_VERSION,
    ConfirmationCode,
    ConsentRecord,
    Member,
    Organisation,
    Skill,
    VerifiedCredential,
)

SKILLS = [
    ("PROG", "Programming", "ការសរសេរកម្មវិធី", "Development"),
    ("DATA", "Data analysis", "ការវិភាគទិន្នន័យ", "Data"),
    ("NETW", "Network administration", "ការគ្រប់គ្រងបណ្ដាញ", "Infrastructure"),
    ("SCTY", "Information security", "សន្តិសុខព័ត៌មាន", "Security"),
    ("UXDS", "User experience design", "ការរចនាបទពិសោធន៍អ្នកប្រើ", "Design"),
    ("DGOV", "Digital government services", "សេវារដ្ឋាភិបាលឌីជីថល", "Government"),
]
PUBLIC_VIS = {"name_en": "public", "name_km": "public", "province_code": "public",
              "category": "public", "skills": "public", "organisation": "members",
              "job_title": "members"}
# (contact, name_en, name_km, sex, born, province, category, job, skills)
MEMBERS = [
    ("sokha.chea@example.com", "Chea Sokha", "ជា សុខា", "female", date(1994, 3, 2), "12",
     "civil_servant", "IT officer", {"PROG": 4, "DGOV": 5}),
    ("+85512345001", "Kim Rithy", "គឹម រិទ្ធី", "male", date(2001, 7, 19), "17", "student",
     "Student", {"PROG": 2, "DATA": 3}),
    ("vanna.ly@example.com", "Ly Vanna", "លី វណ្ណា", "male", date(1988, 11, 5), "12",
     "private_employee", "Network engineer", {"NETW": 5, "SCTY": 4}),
    ("+85512345004", "Phan Dalin", "ផាន ដាលីន", "female", date(1999, 1, 30), "02", "academic",
     "Lecturer", {"UXDS": 3}),
]


def _skills(session) -> dict[str, Skill]:
    found = {s.code: s for s in session.execute(db.select(Skill)).scalars()}
    for code, en, km, group in SKILLS:
        if code not in found:
            found[code] = Skill(code=code, name_en=en, name_km=km, group_en=group)
            session.add(found[code])
    session.flush()
    return found


def _member(session, spec, skills) -> Member:
    contact, en, km, sex, born, prov, cat, job, levels = spec
    channel, value = svc.normalise_contact(contact)
    column = Member.email if channel == "email" else Member.phone
    member = session.execute(db.select(Member).where(
        column == value, Member.status.in_(CONTACT_HOLDING_STATUSES))).scalar_one_or_none()
    if member is not None:
        return member
    member = Member(name_en=en, name_km=km, sex=sex, date_of_birth=born, province_code=prov,
                    category=cat, job_title=job, status="pending", visibility=dict(PUBLIC_VIS),
                    contact_confirmed_at=utcnow(),
                    pending_password_hash=generate_password_hash("member-demo-2026"))
    setattr(member, channel, value)
    session.add(member)
    session.flush()
    for kind in CONSENT_KINDS:
        session.add(ConsentRecord(member_id=member.id, kind=kind, given=True,
                                  terms_version=PRIVACY_TERMS_VERSION))
    session.flush()
    session.refresh(member)
    if not session.execute(db.select(User.id).where(User.username == value)).first():
        svc.approve_member(session, member, None)
    for code, level in levels.items():
        svc.set_skill(session, member, skills[code], level)
    return member


def _national(session) -> list[Member]:
    skills = _skills(session)
    people = [_member(session, spec, skills) for spec in MEMBERS]
    pending = ("+85512345099", "Nget Sreypov", "ង៉ែត ស្រីពៅ", "female", date(2003, 5, 5), "08",
               "student", "Student", {})
    channel, value = svc.normalise_contact(pending[0])
    if not session.execute(db.select(Member).where(Member.phone == value)).first():
        m = Member(name_en=pending[1], name_km=pending[2], sex=pending[3],
                   date_of_birth=pending[4], province_code=pending[5], category=pending[6],
                   phone=value, contact_confirmed_at=utcnow(), visibility={},
                   pending_password_hash=generate_password_hash("member-demo-2026"))
        session.add(m)
        session.flush()
        session.add(ConsentRecord(member_id=m.id, kind="privacy", given=True,
                                  terms_version=PRIVACY_TERMS_VERSION))
        session.add(ConfirmationCode(member_id=m.id, channel="phone", destination=value,
                                     code_hash="0" * 64, expires_at=utcnow(),
                                     used_at=utcnow()))
    if not people[0].credentials:
        people[0].credentials.append(VerifiedCredential(
            number="PP-01-2026-000007", code="DEMO0000CRED0001", title_en="Python for public services",
            title_km="Python សម្រាប់សេវាសាធារណៈ", course_code="PY-GOV", hours=40,
            issued_on=date(2026, 3, 15)))
    org = session.execute(db.select(Organisation).where(
        Organisation.name_en == "Mekong Digital Co.")).scalar_one_or_none()
    if org is None:
        org = opp_svc.register_organisation(session, people[2], name_en="Mekong Digital Co.",
                                            name_km="ក្រុមហ៊ុន មេគង្គឌីជីថល", kind="company",
                                            province_code="12", website="https://example.com")
        opp_svc.verify_organisation(session, org)
        people[2].organisation = org
        opp = opp_svc.post_opportunity(session, org, people[2], kind="internship",
                                       title="Junior network technician (internship)",
                                       description="Six months in Phnom Penh.",
                                       province_code="12",
                                       expires_on=utcnow().date() + timedelta(days=60))
        opp_svc.moderate_opportunity(session, opp, True)
        opp_svc.express_interest(session, opp, people[1])
    return people


def _judge(session, username: str, center) -> User:
    from core import services

    user = session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = services.create_user(username=username, password="judge-demo-2026",
                                    full_name=username.replace("-", " ").title())
    services.grant_role(user, center, "judge")
    return user


def load(center, session) -> None:
    people = _national(session)
    slug = f"{center.code.lower()}-hackathon-2026"
    if session.execute(db.select(Competition.id).where(Competition.slug == slug)).first():
        return
    now = utcnow()
    c = Competition(center_id=center.id, slug=slug,
                    title_en=f"{center.code} Civic Tech Hackathon 2026",
                    title_km=f"ការប្រកួត Hackathon បច្ចេកវិទ្យាពលរដ្ឋ {center.code} ២០២៦",
                    rules="Build a digital service for your community in one weekend.",
                    registration_opens_at=now - timedelta(days=30),
                    registration_closes_at=now + timedelta(days=1),
                    submission_opens_at=now - timedelta(days=30),
                    submission_closes_at=now + timedelta(days=2), aggregation="mean")
    comp.save_competition(session, c)
    comp.add_criterion(session, c, name_en="Impact", name_km="ផលប៉ះពាល់", weight=3)
    comp.add_criterion(session, c, name_en="Technical quality", name_km="គុណភាពបច្ចេកទេស",
                       weight=2)
    comp.add_criterion(session, c, name_en="Presentation", name_km="ការបង្ហាញ", weight=1)
    comp.add_prize(session, c, rank=1, title_en="First prize", title_km="រង្វាន់លេខ ១",
                   amount_minor=50000)
    comp.add_prize(session, c, rank=2, title_en="Second prize", title_km="រង្វាន់លេខ ២",
                   amount_minor=25000)
    judges = [_judge(session, f"judge-{center.code.lower()}-{i}", center) for i in (1, 2)]
    comp.add_judge(session, c, judges[0], organisation_name="Royal University of Phnom Penh")
    mekong = session.execute(db.select(Organisation).where(
        Organisation.name_en == "Mekong Digital Co.")).scalar_one()
    comp.add_judge(session, c, judges[1], organisation_id=mekong.id)  # chosen from the registry
    comp.open_competition(session, c)
    for i, person in enumerate(people[:3]):
        entry = comp.create_entry(session, c, person, now=now)
        comp.submit(session, entry, instance_path="", url=f"https://example.com/demo/{slug}/{i}",
                    now=now)
    for a in comp.assign_judges(session, c):
        if not a.recused:
            values = {cr.id: (cr.max_score - (a.entry_id + a.judge_user_id) % 4)
                      for cr in c.criteria}
            comp.save_scores(session, a, values, now=now)
    results.freeze(session, c, now=now)
    results.publish(session, c, now=now)
    results.issue_certificates(session, c, now=now)
