"""Courses, cohorts, enrolment, attendance, assessment and the completion rule.

Plain functions over plain arguments: the caller passes the center and the SQLAlchemy
session and commits. Trainee records (duplicates, merge, CSV import) live in people.py,
certificates in certificates.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _

from plugins.training.models import (
    Assessment,
    Attendance,
    ClassSession,
    Cohort,
    CohortTrainer,
    Course,
    Enrolment,
    Score,
    Trainee,
)


class TrainingError(ValueError):
    """A request the training rules refuse; the message is for the user, ``field`` names
    the form field it is about (when there is one)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# -- courses and cohorts ---------------------------------------------------------------


def course_by_code(session, center, code: str) -> Course | None:
    return session.execute(
        sa.select(Course).where(Course.center_id == center.id, Course.code == code.strip().upper())
    ).scalar_one_or_none()


def save_course(session, center, course: Course | None = None, **values) -> Course:
    values["code"] = values["code"].strip().upper()
    other = course_by_code(session, center, values["code"])
    if other is not None and (course is None or other.id != course.id):
        raise TrainingError(_("A course with the code %(code)s exists already.",
                              code=values["code"]))
    for pct in ("min_attendance_pct", "min_score_pct"):
        if pct in values and not 0 <= int(values[pct]) <= 100:
            raise TrainingError(_("A percentage must be between 0 and 100."))
    if course is None:
        course = Course(center_id=center.id)
        session.add(course)
    for key, value in values.items():
        setattr(course, key, value)
    session.flush()
    return course


def save_cohort(session, center, cohort: Cohort | None = None, *, trainer_ids=(),
                **values) -> Cohort:
    if values["end_date"] < values["start_date"]:
        raise TrainingError(_("The cohort cannot end before it starts."))
    if int(values.get("capacity", 1)) < 1:
        raise TrainingError(_("The capacity must be at least 1."))
    if cohort is None:
        cohort = Cohort(center_id=center.id)
        session.add(cohort)
    old_capacity = cohort.capacity
    for key, value in values.items():
        setattr(cohort, key, value)
    wanted = set(trainer_ids)
    for link in list(cohort.trainer_links):
        if link.user_id not in wanted:
            cohort.trainer_links.remove(link)
    have = {link.user_id for link in cohort.trainer_links}
    for user_id in wanted - have:
        cohort.trainer_links.append(CohortTrainer(center_id=center.id, user_id=user_id))
    session.flush()
    if old_capacity is not None and cohort.capacity > old_capacity:
        promote_waitlist(session, cohort)
    return cohort


# -- enrolment ---------------------------------------------------------------------------


def _lock_cohort(session, cohort: Cohort) -> None:
    """Serialise enrolments of one cohort (PostgreSQL row lock; SQLite serialises writers)."""
    session.execute(sa.select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def enrolled_count(session, cohort: Cohort) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == "enrolled")
    ).scalar_one()


def enrol(session, cohort: Cohort, trainee: Trainee) -> Enrolment:
    """Enrol ``trainee``; when the cohort is full the trainee joins the waitlist."""
    if trainee.center_id != cohort.center_id:
        raise TrainingError(_("This trainee belongs to another center."))
    if trainee.merged_into_id:
        raise TrainingError(_("This trainee record was merged into another one."))
    if cohort.status == "finished":
        raise TrainingError(_("This cohort is finished; it takes no more trainees."))
    _lock_cohort(session, cohort)
    enrolment = session.execute(
        sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                   Enrolment.trainee_id == trainee.id)
    ).scalar_one_or_none()
    if enrolment is not None and enrolment.status != "withdrawn":
        return enrolment
    status = "enrolled" if enrolled_count(session, cohort) < cohort.capacity else "waitlisted"
    if enrolment is None:
        enrolment = Enrolment(center_id=cohort.center_id, cohort_id=cohort.id,
                              trainee_id=trainee.id, status=status)
        session.add(enrolment)
    else:
        enrolment.status = status
    session.flush()
    return enrolment


def waitlist(session, cohort: Cohort) -> list[Enrolment]:
    return list(session.execute(
        sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                   Enrolment.status == "waitlisted")
        .order_by(Enrolment.created_at, Enrolment.id)
    ).scalars())


def promote_waitlist(session, cohort: Cohort) -> list[Enrolment]:
    """Move people from the waitlist into free places, first come first served."""
    _lock_cohort(session, cohort)
    free = cohort.capacity - enrolled_count(session, cohort)
    promoted = []
    for enrolment in waitlist(session, cohort)[:max(free, 0)]:
        enrolment.status = "enrolled"
        promoted.append(enrolment)
    session.flush()
    return promoted


def withdraw(session, enrolment: Enrolment) -> list[Enrolment]:
    """Withdraw a trainee; return whoever moved up from the waitlist."""
    was_enrolled = enrolment.status == "enrolled"
    enrolment.status = "withdrawn"
    session.flush()
    return promote_waitlist(session, enrolment.cohort) if was_enrolled else []


def roster(session, cohort: Cohort, statuses=("enrolled",)) -> list[Enrolment]:
    return list(session.execute(
        sa.select(Enrolment).join(Trainee, Enrolment.trainee_id == Trainee.id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(statuses))
        .order_by(Trainee.name_en, Trainee.name_km, Enrolment.id)
    ).scalars())


# -- attendance ----------------------------------------------------------------------------


def sessions_of(session, cohort: Cohort) -> list[ClassSession]:
    return list(session.execute(
        sa.select(ClassSession).where(ClassSession.cohort_id == cohort.id)
        .order_by(ClassSession.day)
    ).scalars())


def record_attendance(session, cohort: Cohort, day: date, present_ids, *,
                      topic: str | None = None) -> ClassSession:
    """Tick the whole class for ``day`` at once: enrolments in ``present_ids`` were there,
    every other enrolled trainee was absent. Creates the day's session when needed."""
    if cohort.start_date and not cohort.start_date <= day <= cohort.end_date:
        raise TrainingError(_("%(day)s is outside the cohort's dates.", day=day.isoformat()))
    present_ids = {int(i) for i in present_ids}
    class_session = session.execute(
        sa.select(ClassSession).where(ClassSession.cohort_id == cohort.id,
                                      ClassSession.day == day)
    ).scalar_one_or_none()
    if class_session is None:
        class_session = ClassSession(center_id=cohort.center_id, cohort_id=cohort.id, day=day)
        session.add(class_session)
        session.flush()
    if topic is not None:
        class_session.topic = topic
    existing = {a.enrolment_id: a for a in session.execute(
        sa.select(Attendance).where(Attendance.session_id == class_session.id)).scalars()}
    for enrolment in roster(session, cohort):
        row = existing.get(enrolment.id)
        if row is None:
            row = Attendance(center_id=cohort.center_id, session_id=class_session.id,
                             enrolment_id=enrolment.id)
            session.add(row)
        row.present = enrolment.id in present_ids
    if cohort.status == "planned":
        cohort.status = "running"
    session.flush()
    return class_session


def attendance_grid(session, cohort: Cohort) -> dict[tuple[int, int], bool]:
    """{(session id, enrolment id): present} for every mark recorded in the cohort."""
    rows = session.execute(
        sa.select(Attendance.session_id, Attendance.enrolment_id, Attendance.present)
        .join(ClassSession, Attendance.session_id == ClassSession.id)
        .where(ClassSession.cohort_id == cohort.id)
    )
    return {(s, e): p for s, e, p in rows}


# -- assessment ----------------------------------------------------------------------------


def add_assessment(session, cohort: Cohort, *, title: str, max_score: int = 100,
                   weight: int = 1, held_on: date | None = None) -> Assessment:
    if max_score < 1 or weight < 1:
        raise TrainingError(_("The maximum score and the weight must be at least 1."))
    assessment = Assessment(center_id=cohort.center_id, cohort_id=cohort.id, title=title,
                            max_score=max_score, weight=weight, held_on=held_on)
    session.add(assessment)
    session.flush()
    return assessment


def record_scores(session, assessment: Assessment, points_by_enrolment: dict) -> None:
    """Save scores ({enrolment id: points or None}); None removes nothing, it is skipped."""
    valid_ids = {e.id for e in roster(session, _cohort(session, assessment))}
    existing = {s.enrolment_id: s for s in session.execute(
        sa.select(Score).where(Score.assessment_id == assessment.id)).scalars()}
    for enrolment_id, points in points_by_enrolment.items():
        if points is None or int(enrolment_id) not in valid_ids:
            continue
        if not 0 <= int(points) <= assessment.max_score:
            raise TrainingError(_("A score must be between 0 and %(max)d.",
                                  max=assessment.max_score))
        row = existing.get(int(enrolment_id))
        if row is None:
            row = Score(center_id=assessment.center_id, assessment_id=assessment.id,
                        enrolment_id=int(enrolment_id))
            session.add(row)
        row.points = int(points)
    session.flush()


def _cohort(session, assessment: Assessment) -> Cohort:
    return session.get(Cohort, assessment.cohort_id)


# -- completion ------------------------------------------------------------------------------


@dataclass
class Completion:
    completed: bool
    attendance_pct: Fraction | None
    score_pct: Fraction | None
    reasons: list[str] = field(default_factory=list)


def completion(min_attendance_pct: int, min_score_pct: int, present: int, total: int,
               scores: list[tuple[int, int, int]]) -> Completion:
    """Apply a course's rule. ``scores`` holds (points, max score, weight) per assessment.

    Both thresholds are inclusive and compared exactly (fractions, no rounding): 4 of 5
    days is 80 % and meets an 80 % rule; 2 of 3 days (66.67 %) does not meet 67 %. With no
    session recorded, or no assessment, only a 0 % threshold is met.
    """
    attendance = Fraction(present * 100, total) if total else None
    weights = sum(w for _p, _m, w in scores)
    score = (sum(Fraction(p * w, m) for p, m, w in scores) * 100 / weights) if weights else None
    reasons = []
    if min_attendance_pct > 0 and (attendance is None or attendance < min_attendance_pct):
        reasons.append(_("attendance %(got)s%% is below %(need)d%%",
                         got=format_pct(attendance), need=min_attendance_pct))
    if min_score_pct > 0 and (score is None or score < min_score_pct):
        reasons.append(_("score %(got)s%% is below %(need)d%%",
                         got=format_pct(score), need=min_score_pct))
    return Completion(not reasons, attendance, score, reasons)


def format_pct(value: Fraction | None) -> str:
    if value is None:
        return "0"
    # Round down, so a displayed figure never looks like it meets a rule it misses.
    tenths = (value * 10).__floor__()
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def cohort_completion(session, cohort: Cohort) -> dict[int, Completion]:
    """{enrolment id: Completion} for the cohort's enrolled trainees, in a few queries."""
    course = cohort.course
    enrolments = roster(session, cohort)
    total = session.execute(
        sa.select(sa.func.count()).select_from(ClassSession)
        .where(ClassSession.cohort_id == cohort.id)).scalar_one()
    present = dict(session.execute(
        sa.select(Attendance.enrolment_id, sa.func.count())
        .join(ClassSession, Attendance.session_id == ClassSession.id)
        .where(ClassSession.cohort_id == cohort.id, Attendance.present.is_(True))
        .group_by(Attendance.enrolment_id)).all())
    assessments = list(session.execute(
        sa.select(Assessment).where(Assessment.cohort_id == cohort.id)).scalars())
    points = defaultdict(dict)
    for s in session.execute(sa.select(Score).join(Assessment).where(
            Assessment.cohort_id == cohort.id)).scalars():
        points[s.enrolment_id][s.assessment_id] = s.points
    out = {}
    for enrolment in enrolments:
        scores = [(points[enrolment.id].get(a.id, 0), a.max_score, a.weight)
                  for a in assessments]
        out[enrolment.id] = completion(course.min_attendance_pct, course.min_score_pct,
                                       present.get(enrolment.id, 0), total, scores)
    return out
