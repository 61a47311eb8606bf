"""Builders shared by the training tests (plain functions; the caller commits)."""

from __future__ import annotations

from datetime import date, timedelta

from core.extensions import db
from core.tenancy import Center
from plugins.training import people, services

START = date(2026, 3, 2)


def center(code: str) -> Center:
    return db.session.execute(db.select(Center).where(Center.code == code)).scalar_one()


def course(c, code="DL101", **kw):
    values = dict(code=code, title_en="Digital literacy", title_km="អក្ខរកម្មឌីជីថល",
                  hours=20, category="digital_literacy", min_attendance_pct=80,
                  min_score_pct=50)
    values.update(kw)
    return services.save_course(db.session, c, **values)


def cohort(c, crs, *, capacity=30, days=5, trainer_ids=(), name="Morning A"):
    return services.save_cohort(db.session, c, course_id=crs.id, name=name,
                                room="computer_lab", start_date=START,
                                end_date=START + timedelta(days=days - 1), capacity=capacity,
                                status="planned", trainer_ids=trainer_ids)


def trainee(c, i, **kw):
    values = dict(name_km=f"សុខ {i}", name_en=f"Sok {i}", sex="female" if i % 2 else "male",
                  age_group="15_24", phone=f"012 {100000 + i}", occupation="student",
                  school="Chaktomuk HS", grade="11")
    values.update(kw)
    return people.save_trainee(db.session, c, **values)


def trainer(c) -> int:
    """The id of a trainer of center ``c`` (created the first time)."""
    from core import services as core_services
    from core.auth.models import User

    username = f"trainer-{c.code.lower()}"
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = core_services.create_user(username=username, password="x" * 12,
                                          full_name=f"Keo Vannak {c.code}")
        core_services.grant_role(user, c, "trainer")
    return user.id


def class_of(c, n=5, *, days=5, present_days=None, score=80, trainer_ids=None, **course_kw):
    """A course, a cohort of ``n`` trainees, ``days`` sessions and one assessment.

    ``present_days``: {trainee index: days present} (default: every day); scores are
    ``score`` out of 100 unless ``score`` is a dict by index. The cohort has a trainer
    (certificates need one) unless ``trainer_ids`` says otherwise (``()``: none).
    """
    if trainer_ids is None:
        trainer_ids = [trainer(c)]
    crs = course(c, **course_kw)
    coh = cohort(c, crs, days=days, trainer_ids=trainer_ids)
    enrolments = [services.enrol(db.session, coh, trainee(c, i)) for i in range(n)]
    present_days = present_days or {}
    for d in range(days):
        present = [e.id for i, e in enumerate(enrolments) if d < present_days.get(i, days)]
        services.record_attendance(db.session, coh, START + timedelta(days=d), present)
    exam = services.add_assessment(db.session, coh, title="Final test", max_score=100)
    scores = score if isinstance(score, dict) else {}
    services.record_scores(db.session, exam, {
        e.id: scores.get(i, score if not isinstance(score, dict) else 80)
        for i, e in enumerate(enrolments)})
    return crs, coh, enrolments
