"""Trainees: validation, duplicates and merging, CSV class lists, lookups for other plugins."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from core import phones
from core.verification import PersonRef
from plugins.training.models import (
    AGE_GROUPS,
    OCCUPATIONS,
    SEXES,
    Attendance,
    Certificate,
    Cohort,
    Course,
    Enrolment,
    Score,
    Trainee,
)
from plugins.training.services import TrainingError, enrol, promote_waitlist


def normalise_phone(text: str) -> str:
    """core.phones.normalise, refusing with a TrainingError on the ``phone`` field."""
    try:
        return phones.normalise(text)
    except phones.PhoneError as exc:
        raise TrainingError(exc.message, "phone") from exc


def age_group_for(age: int) -> str:
    for limit, group in ((15, "under_15"), (25, "15_24"), (35, "25_34"), (45, "35_44"),
                         (60, "45_59")):
        if age < limit:
            return group
    return "60_plus"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def effective_age_group(trainee: Trainee, on: date | None = None) -> str | None:
    if trainee.date_of_birth:
        return age_group_for(age_on(trainee.date_of_birth, on or date.today()))
    return trainee.age_group


def clean_trainee_values(values: dict) -> dict:
    """Check and normalise a trainee's fields (shared by the form and the CSV import)."""
    out = dict(values)
    out["name_km"] = (out.get("name_km") or "").strip()
    out["name_en"] = (out.get("name_en") or "").strip()
    if not out["name_km"] and not out["name_en"]:
        raise TrainingError(_("A name is needed, in Khmer script or in Latin letters."),
                            "name_km")
    if out.get("sex") not in SEXES:
        raise TrainingError(_("Sex must be one of: %(values)s.", values=", ".join(SEXES)))
    occupation = out.get("occupation") or "other"
    if occupation not in OCCUPATIONS:
        raise TrainingError(_("Occupation must be one of: %(values)s.",
                              values=", ".join(OCCUPATIONS)))
    out["occupation"] = occupation
    dob = out.get("date_of_birth")
    if dob and dob > date.today():
        raise TrainingError(_("The date of birth is in the future."), "date_of_birth")
    group = out.get("age_group") or None
    if group and group not in AGE_GROUPS:
        raise TrainingError(_("Age group must be one of: %(values)s.",
                              values=", ".join(AGE_GROUPS)))
    if not dob and not group:
        raise TrainingError(_("Give a date of birth or an age group."), "age_group")
    out["age_group"] = age_group_for(age_on(dob, date.today())) if dob else group
    out["phone"] = normalise_phone(out.get("phone") or "")
    out["national_id"] = (out.get("national_id") or "").strip().upper().replace(" ", "")
    if occupation != "student":
        out["school"], out["grade"] = "", ""
    out["school"] = (out.get("school") or "").strip()
    out["grade"] = (out.get("grade") or "").strip()
    return out


def save_trainee(session, center, trainee: Trainee | None = None, **values) -> Trainee:
    values = clean_trainee_values(values)
    if trainee is None:
        trainee = Trainee(center_id=center.id)
        session.add(trainee)
    for key, value in values.items():
        setattr(trainee, key, value)
    session.flush()
    return trainee


def active_trainees(center):
    return sa.select(Trainee).where(Trainee.center_id == center.id,
                                    Trainee.merged_into_id.is_(None))


def find_match(session, center, phone: str, national_id: str) -> Trainee | None:
    """An existing trainee with the same phone or national ID (phone first)."""
    for column, value in ((Trainee.national_id, national_id), (Trainee.phone, phone)):
        if value:
            found = session.execute(active_trainees(center).where(column == value)
                                    .order_by(Trainee.id)).scalars().first()
            if found is not None:
                return found
    return None


def duplicate_groups(session, center) -> list[list[Trainee]]:
    """Groups of trainees who share a phone number or a national ID."""
    trainees = list(session.execute(active_trainees(center).order_by(Trainee.id)).scalars())
    parent = {t.id: t.id for t in trainees}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for attr in ("phone", "national_id"):
        first = {}
        for t in trainees:
            key = getattr(t, attr)
            if key:
                if key in first:
                    parent[root(t.id)] = root(first[key])
                else:
                    first[key] = t.id
    groups: dict[int, list[Trainee]] = {}
    for t in trainees:
        groups.setdefault(root(t.id), []).append(t)
    return [g for g in groups.values() if len(g) > 1]


def merge_trainees(session, keeper: Trainee, duplicate: Trainee) -> Trainee:
    """Fold ``duplicate`` into ``keeper``: enrolments, marks, scores and certificates move.

    Where both were enrolled in the same cohort, the keeper's enrolment stays, absorbing
    the duplicate's attendance (present on either counts) and best scores; the duplicate's
    record is kept, marked as merged, so the history shows what happened.
    """
    if keeper.id == duplicate.id or keeper.center_id != duplicate.center_id:
        raise TrainingError(_("Choose two different trainees of this center."))
    if duplicate.merged_into_id or keeper.merged_into_id:
        raise TrainingError(_("One of these records was merged already."))
    keeper_enrolments = {e.cohort_id: e for e in session.execute(
        sa.select(Enrolment).where(Enrolment.trainee_id == keeper.id)).scalars()}
    freed: list[Cohort] = []  # cohorts where the duplicate's place was given up
    for dup in list(session.execute(
            sa.select(Enrolment).where(Enrolment.trainee_id == duplicate.id)).scalars()):
        keep = keeper_enrolments.get(dup.cohort_id)
        if keep is None:
            dup.trainee_id = keeper.id
            continue
        _absorb_marks(session, keep, dup)
        if keep.status != "enrolled" and dup.status == "enrolled":
            keep.status = "enrolled"
        elif dup.status == "enrolled":
            freed.append(dup.cohort)
        dup.status = "withdrawn"
    for cert in session.execute(sa.select(Certificate).where(
            Certificate.trainee_id == duplicate.id)).scalars():
        clash = session.execute(sa.select(Certificate.id).where(
            Certificate.trainee_id == keeper.id, Certificate.cohort_id == cert.cohort_id,
            Certificate.status == "valid")).first()
        if not (clash and cert.status == "valid"):
            cert.trainee_id = keeper.id
    for attr in ("name_km", "name_en", "phone", "national_id", "date_of_birth", "school",
                 "grade"):
        if not getattr(keeper, attr) and getattr(duplicate, attr):
            setattr(keeper, attr, getattr(duplicate, attr))
    duplicate.merged_into_id = keeper.id
    session.flush()
    for cohort in freed:  # the withdrawn duplicate's place goes to the waitlist
        promote_waitlist(session, cohort)
    return keeper


def _absorb_marks(session, keep: Enrolment, dup: Enrolment) -> None:
    marks = {a.session_id: a for a in session.execute(
        sa.select(Attendance).where(Attendance.enrolment_id == keep.id)).scalars()}
    for a in session.execute(sa.select(Attendance).where(
            Attendance.enrolment_id == dup.id)).scalars():
        if a.session_id in marks:
            marks[a.session_id].present = marks[a.session_id].present or a.present
        else:
            a.enrolment_id = keep.id
    scores = {s.assessment_id: s for s in session.execute(
        sa.select(Score).where(Score.enrolment_id == keep.id)).scalars()}
    for s in session.execute(sa.select(Score).where(Score.enrolment_id == dup.id)).scalars():
        if s.assessment_id in scores:
            scores[s.assessment_id].points = max(scores[s.assessment_id].points, s.points)
        else:
            s.enrolment_id = keep.id


# -- CSV class lists -----------------------------------------------------------------------

CSV_COLUMNS = ("name_km", "name_en", "sex", "date_of_birth", "age_group", "phone",
               "national_id", "occupation", "school", "grade")


@dataclass
class ImportResult:
    created: int = 0
    matched: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)


def import_class_list(session, center, cohort: Cohort | None, data: bytes | str) -> ImportResult:
    """Read a class list (CSV with a header row; columns CSV_COLUMNS) and enrol each row.

    Every row is checked on its own, inside a savepoint: a bad row is reported with its
    line number (the header is line 1) and the good rows are kept. A row whose phone or
    national ID matches an existing trainee reuses that record instead of duplicating it.
    """
    result = ImportResult()
    text = decode_upload(data) if isinstance(data, bytes) else data
    if text is None:
        result.errors.append((1, _("The file could not be read: save it as CSV in UTF-8 "
                                   "(or UTF-16 or Windows-1252) and try again.")))
        return result
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        records = list(reader)
    except csv.Error as exc:
        result.errors.append((1, _("The file is not a valid CSV file (line %(line)d: "
                                   "%(detail)s).", line=reader.line_num or 1, detail=str(exc))))
        return result
    missing = {"sex"} - set(header)
    if not {"name_km", "name_en"} & set(header):
        missing.add("name_en")
    if missing:
        result.errors.append((1, _("Missing columns: %(cols)s.", cols=", ".join(sorted(missing)))))
        return result
    for line, row in enumerate(records, start=2):
        values = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
        if not any(values.values()):
            continue
        created = enrolled = False
        status = None
        try:
            with session.begin_nested():
                values["sex"] = _read_choice(values["sex"], SEXES, "sex")
                values["occupation"] = _read_choice(values["occupation"] or "other",
                                                    OCCUPATIONS, "occupation")
                values["date_of_birth"] = _read_date(values["date_of_birth"])
                cleaned = clean_trainee_values(values)
                trainee = find_match(session, center, cleaned["phone"], cleaned["national_id"])
                if trainee is None:
                    trainee = save_trainee(session, center, **cleaned)
                    created = True
                if cohort is not None:
                    status = enrol(session, cohort, trainee).status
                    enrolled = True
        except TrainingError as exc:
            result.errors.append((line, str(exc)))
            continue
        # Counted only once the row's savepoint has been released.
        if created:
            result.created += 1
        else:
            result.matched += 1
        if enrolled:
            if status == "waitlisted":
                result.waitlisted += 1
            else:
                result.enrolled += 1
    return result


def decode_upload(data: bytes) -> str | None:
    """The text of an uploaded file: UTF-8 (with or without BOM), UTF-16 when it starts with
    a UTF-16 byte-order mark, else Windows-1252; None when none of them reads it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_choice(value: str, allowed, name: str) -> str:
    value = value.strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"f": "female", "m": "male", "ស្រី": "female", "ប្រុស": "male"}
    value = aliases.get(value, value) if name == "sex" else value
    if value not in allowed:
        raise TrainingError(_("%(name)s must be one of: %(values)s.", name=name,
                              values=", ".join(allowed)))
    return value


def _read_date(value: str) -> date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise TrainingError(_("%(value)s is not a date (use YYYY-MM-DD or DD/MM/YYYY).",
                          value=value))


# -- lookups for other plugins (ctc_find_people) ------------------------------------------


def find_people(center, query: str, purpose: str, *, limit: int = 20) -> list[PersonRef]:
    from core.extensions import db

    if center is None or purpose not in ("loan", "repair_trainee"):
        return []
    stmt = active_trainees(center)
    if purpose == "repair_trainee":
        stmt = stmt.where(Trainee.id.in_(
            sa.select(Enrolment.trainee_id).join(Cohort, Enrolment.cohort_id == Cohort.id)
            .join(Course, Cohort.course_id == Course.id)
            .where(Enrolment.center_id == center.id, Enrolment.status == "enrolled",
                   Course.category == "repair")))
    query = (query or "").strip()
    if query:
        like = f"%{query}%"
        conditions = [Trainee.name_en.ilike(like), Trainee.name_km.ilike(like),
                      Trainee.national_id == query.upper()]
        try:
            conditions.append(Trainee.phone == normalise_phone(query))
        except TrainingError:
            pass
        stmt = stmt.where(sa.or_(*conditions))
    rows = db.session.execute(stmt.order_by(Trainee.name_en).limit(limit)).scalars()
    return [PersonRef(ref=f"training:trainee:{t.id}", name=t.display_name,
                      detail=phones.display(t.phone)) for t in rows]
