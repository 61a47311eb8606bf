"""Demo data: courses, cohorts, trainees, attendance, scores and certificates (idempotent)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.auth.models import Membership, Role, User
from core.sequences import center_date
from plugins.training import certificates, people, services
from plugins.training.models import Cohort

COURSES = [
    dict(code="DL101", title_en="Digital literacy for beginners",
         title_km="អក្ខរកម្មឌីជីថលសម្រាប់អ្នកចាប់ផ្តើម", hours=20, category="digital_literacy",
         min_attendance_pct=80, min_score_pct=50, signatory_name="Sok Dara",
         signatory_title="Center manager"),
    dict(code="REP201", title_en="Computer repair and maintenance",
         title_km="ការជួសជុល និងថែទាំកុំព្យូទ័រ", hours=40, category="repair",
         min_attendance_pct=75, min_score_pct=60, validity_months=24),
]

TRAINEES = [
    ("ស្រីស្រស់ ក្សត្រិយ៍", "Sreysros Ksatrey", "female", "15_24", "012 201 001", "student"),
    ("សុខ ដារា", "Sok Dara", "male", "25_34", "012 201 002", "civil_servant"),
    ("ចាន់ សុភា", "Chan Sophea", "female", "35_44", "012 201 003", "farmer"),
    ("ហេង វិចិត្រ", "Heng Vichet", "male", "15_24", "012 201 004", "student"),
    ("លឹម ស្រីពៅ", "Lim Sreypov", "female", "under_15", "012 201 005", "student"),
    ("មាស រិទ្ធី", "Meas Rithy", "male", "45_59", "012 201 006", "private_sector"),
]


def _trainer(session, center):
    return session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .join(Role, Membership.role_id == Role.id)
        .where(Membership.center_id == center.id, Role.code.in_(("trainer", "manager")))
        .order_by(Role.code.desc(), User.id)).scalars().first()


def create_demo_data(center, session) -> None:
    today = center_date(center)
    trainer = _trainer(session, center)
    trainees = []
    for i, (km, en, sex, age, phone, occupation) in enumerate(TRAINEES):
        phone_e164 = people.normalise_phone(phone.replace("201", str(200 + center.id % 90)))
        t = people.find_match(session, center, phone_e164, "")
        if t is None:
            t = people.save_trainee(session, center, name_km=km, name_en=en, sex=sex,
                                    age_group=age, phone=phone_e164, occupation=occupation,
                                    school="Chaktomuk High School" if occupation == "student"
                                    else "", grade=str(9 + i % 4) if occupation == "student"
                                    else "")
        trainees.append(t)
    for n, spec in enumerate(COURSES):
        course = services.course_by_code(session, center, spec["code"])
        if course is None:
            course = services.save_course(session, center, **spec)
        cohort = session.execute(sa.select(Cohort).where(
            Cohort.center_id == center.id, Cohort.course_id == course.id)).scalars().first()
        if cohort is not None:
            continue
        finished = n == 0
        start = today - timedelta(days=20) if finished else today - timedelta(days=2)
        cohort = services.save_cohort(
            session, center, course_id=course.id, name=f"{spec['code']} · Morning",
            room="computer_lab" if finished else "training_room", start_date=start,
            end_date=start + timedelta(days=4 if finished else 9), capacity=5,
            status="running", trainer_ids=[trainer.id] if trainer else [])
        enrolments = [services.enrol(session, cohort, t) for t in trainees]
        days = 5 if finished else 3
        for d in range(days):
            present = [e.id for i, e in enumerate(enrolments) if not (i == 2 and d % 2)]
            services.record_attendance(session, cohort, start + timedelta(days=d), present)
        exam = services.add_assessment(session, cohort, title="Final test", max_score=100,
                                       held_on=start + timedelta(days=days - 1))
        services.record_scores(session, exam, {e.id: 55 + 7 * i for i, e in enumerate(enrolments)})
        if finished:
            cohort.status = "finished"
        if finished and trainer is not None:  # no trainer: no certificates (they name one)
            result = certificates.bulk_issue(session, center, cohort, user_id=trainer.id)
            if result.issued:
                certificates.revoke(session, result.issued[-1], "Demo: issued by mistake")
