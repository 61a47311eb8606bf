"""Domain rules: completion at its edges, capacity and waitlist, duplicates, CSV import."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.extensions import db
from plugins.training import people, services
from plugins.training.models import Attendance, Enrolment, Trainee
from plugins.training.services import TrainingError, completion
from tests.conftest import login
from tests.plugins.training import helpers as h


@pytest.mark.parametrize("present,total,rule,ok", [
    (4, 5, 80, True),    # exactly 80 % meets an 80 % rule
    (3, 5, 80, False),
    (5, 5, 100, True),
    (4, 5, 81, False),
    (2, 3, 67, False),   # 66.67 % does not round up to 67 %
    (2, 3, 66, True),
    (0, 0, 0, True),     # no session recorded: only a 0 % rule is met
    (0, 0, 1, False),
    (0, 4, 0, True),
])
def test_attendance_rule_at_its_edges(present, total, rule, ok):
    assert completion(rule, 0, present, total, []).completed is ok


@pytest.mark.parametrize("scores,rule,ok", [
    ([(50, 100, 1)], 50, True),
    ([(49, 100, 1)], 50, False),
    ([(10, 20, 1)], 50, True),
    ([(100, 100, 1), (0, 100, 3)], 25, True),    # weighted: (100*1 + 0*3) / 4 = 25 %
    ([(100, 100, 1), (0, 100, 3)], 26, False),
    ([(1, 3, 1)], 34, False),                     # 33.3 % is below 34 %
    ([], 0, True),
    ([], 1, False),                               # a score rule with no assessment
])
def test_score_rule_at_its_edges(scores, rule, ok):
    result = completion(0, rule, 1, 1, scores)
    assert result.completed is ok
    assert bool(result.reasons) is (not ok)


@given(total=st.integers(1, 60), data=st.data(), rule=st.integers(0, 100))
def test_attendance_rule_is_exact(total, data, rule):
    present = data.draw(st.integers(0, total))
    assert completion(rule, 0, present, total, []).completed is (present * 100 >= rule * total)


def test_both_parts_of_the_rule_are_reported():
    result = completion(80, 50, 1, 5, [(10, 100, 1)])
    assert not result.completed and len(result.reasons) == 2


def test_cohort_completion_uses_the_course_rule(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        # trainee 1 attends 3 of 5 days (60 %), trainee 2 scores 49, the rest complete.
        _crs, coh, enrolments = h.class_of(c, 4, present_days={1: 3}, score={2: 49})
        results = services.cohort_completion(db.session, coh)
        assert [results[e.id].completed for e in enrolments] == [True, False, False, True]
        assert results[enrolments[0].id].attendance_pct == 100


def test_capacity_waitlist_and_promotion(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c), capacity=2)
        a, b, w1, w2 = (services.enrol(db.session, coh, h.trainee(c, i)) for i in range(4))
        assert [e.status for e in (a, b, w1, w2)] == ["enrolled", "enrolled", "waitlisted",
                                                      "waitlisted"]
        assert services.enrol(db.session, coh, a.trainee) is a  # enrolling twice is a no-op
        promoted = services.withdraw(db.session, a)
        assert promoted == [w1] and w1.status == "enrolled" and w2.status == "waitlisted"
        assert services.enrolled_count(db.session, coh) == 2
        services.save_cohort(db.session, c, coh, course_id=coh.course_id, name=coh.name,
                             room=coh.room, start_date=coh.start_date, end_date=coh.end_date,
                             capacity=3, status=coh.status)
        assert w2.status == "enrolled"


def test_finished_cohort_refuses_enrolment(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c))
        coh.status = "finished"
        with pytest.raises(TrainingError):
            services.enrol(db.session, coh, h.trainee(c, 1))


def test_attendance_grid_ticks_a_whole_class_and_can_be_corrected(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c))
        es = [services.enrol(db.session, coh, h.trainee(c, i)) for i in range(3)]
        s = services.record_attendance(db.session, coh, h.START, [es[0].id, es[2].id])
        again = services.record_attendance(db.session, coh, h.START, [es[1].id])
        assert again.id == s.id and coh.status == "running"
        grid = services.attendance_grid(db.session, coh)
        assert [grid[(s.id, e.id)] for e in es] == [False, True, False]
        assert db.session.query(Attendance).count() == 3
        with pytest.raises(TrainingError):
            services.record_attendance(db.session, coh, h.START - timedelta(days=1), [])


def test_score_outside_range_is_refused(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c))
        e = services.enrol(db.session, coh, h.trainee(c, 1))
        exam = services.add_assessment(db.session, coh, title="Quiz", max_score=20)
        with pytest.raises(TrainingError):
            services.record_scores(db.session, exam, {e.id: 21})


@pytest.mark.parametrize("raw,e164", [
    ("012 345 678", "+85512345678"),
    ("+855 12 345 678", "+85512345678"),
    ("097 123 4567", "+855971234567"),
    ("០១២ ៣៤៥ ៦៧៨", "+85512345678"),
    ("", ""),
])
def test_phone_numbers_are_normalised(raw, e164):
    assert people.normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12", "abc", "012 34"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(TrainingError) as refused:
        people.normalise_phone(raw)
    assert refused.value.field == "phone"
    assert str(refused.value) == "Enter a valid phone number, e.g. 012 345 678."


def test_trainee_needs_name_and_age(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        with pytest.raises(TrainingError):
            h.trainee(c, 1, name_km="", name_en="")
        with pytest.raises(TrainingError):
            h.trainee(c, 1, age_group=None, date_of_birth=None)
        t = h.trainee(c, 2, occupation="farmer", age_group=None,
                      date_of_birth=h.START.replace(year=1980))
        assert t.school == "" and t.age_group in ("45_59", "35_44")


def test_duplicates_are_found_and_merged(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        crs = h.course(c)
        coh1, coh2 = h.cohort(c, crs), h.cohort(c, crs, name="Evening")
        keeper = h.trainee(c, 1, national_id="", phone="012 111 111")
        dup = h.trainee(c, 2, name_en="Sok One", phone="012111111", national_id="N123")
        other = h.trainee(c, 3, phone="012 333 333", national_id="n123")
        h.trainee(c, 4)
        groups = people.duplicate_groups(db.session, c)
        assert [sorted(t.id for t in g) for g in groups] == [[keeper.id, dup.id, other.id]]
        e_keep = services.enrol(db.session, coh1, keeper)
        e_dup_same = services.enrol(db.session, coh1, dup)
        e_dup_other = services.enrol(db.session, coh2, dup)
        s = services.record_attendance(db.session, coh1, h.START, [e_dup_same.id])
        people.merge_trainees(db.session, keeper, dup)
        assert dup.merged_into_id == keeper.id and keeper.national_id == "N123"
        assert e_dup_other.trainee_id == keeper.id
        assert e_dup_same.status == "withdrawn"
        marks = services.attendance_grid(db.session, coh1)
        assert marks[(s.id, e_keep.id)] is True
        with pytest.raises(TrainingError):
            people.merge_trainees(db.session, keeper, dup)
        assert len(people.duplicate_groups(db.session, c)[0]) == 2  # keeper and "other"


CSV = """name_km,name_en,sex,date_of_birth,age_group,phone,national_id,occupation,school,grade
សុខ ស្រីនាង,Sok Sreyneang,F,2008-05-01,,012 555 001,,student,Chaktomuk HS,11
ចាន់ ដារា,Chan Dara,male,,25_34,012 555 002,,civil servant,,
,,female,,15_24,012 555 003,,student,,
កែវ,Keo,female,,15_24,not-a-phone,,student,,
ហេង,Heng,unknown,,15_24,012 555 005,,student,,
ម៉ៅ,Mao,male,31/12/1990,,012 555 006,,farmer,,
សុខ ស្រីនាង,Sok Sreyneang,F,2008-05-01,,+85512555001,,student,Chaktomuk HS,11
"""


def test_csv_import_reports_bad_rows_and_keeps_good_ones(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c), capacity=2)
        result = people.import_class_list(db.session, c, coh, CSV.encode("utf-8-sig"))
        assert [line for line, _msg in result.errors] == [4, 5, 6]
        assert result.created == 3 and result.matched == 1
        assert (result.enrolled, result.waitlisted) == (3, 1)
        statuses = sorted(e.status for e in db.session.query(Enrolment))
        assert statuses == ["enrolled", "enrolled", "waitlisted"]
        names = sorted(t.name_en for t in db.session.query(Trainee))
        assert names == ["Chan Dara", "Mao", "Sok Sreyneang"]


def test_csv_without_required_columns_is_refused(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        result = people.import_class_list(db.session, c, None, "phone,school\n012,x\n")
        assert result.errors and result.errors[0][0] == 1 and result.created == 0


HEADER = "name_km,name_en,sex,date_of_birth,age_group,phone,national_id,occupation,school,grade\n"


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_csv_import_reads_utf16_and_windows_1252(app, factory, encoding):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        text = HEADER + ",José Núñez,male,,25_34,012 555 101,,farmer,,\n"
        result = people.import_class_list(db.session, c, None, text.encode(encoding))
        assert result.errors == [] and result.created == 1
        assert db.session.query(Trainee).one().name_en == "José Núñez"


def test_csv_import_unreadable_or_malformed_file_is_a_row_1_error(app, factory, client):
    factory.center("PP-01")
    factory.user("trainer1", center_id=factory.center("PP-02"), role="trainer")
    with app.app_context():
        c = h.center("PP-01")
        # 0x81 is undefined in cp1252 and invalid in UTF-8: no encoding reads it.
        unreadable = (HEADER + ",Sok,male,,25_34,,,farmer,,\n").encode() + b"\x81\x8d\n"
        result = people.import_class_list(db.session, c, None, unreadable)
        assert [line for line, _m in result.errors] == [1] and result.created == 0
        malformed = HEADER + ",Sok," + "x" * 200_000 + ",,25_34,,,farmer,,\n"
        result = people.import_class_list(db.session, c, None, malformed)
        assert [line for line, _m in result.errors] == [1] and result.created == 0
        assert db.session.query(Trainee).count() == 0
        coh = h.cohort(h.center("PP-02"), h.course(h.center("PP-02")))
        db.session.commit()
        cohort_id = coh.id
    login(client, "trainer1")
    page = client.post(f"/training/cohorts/{cohort_id}/import",
                       data={"file": (io.BytesIO(unreadable), "list.csv")},
                       headers={"Accept-Language": "en"}, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "could not be read" in page.get_data(as_text=True)


def test_csv_import_counts_a_row_only_when_its_enrolment_succeeds(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c))
        coh.status = "finished"  # enrolment fails for every row
        h.trainee(c, 1)  # an existing trainee: the second row matches them
        text = (HEADER + ",New Person,male,,25_34,012 555 201,,farmer,,\n"
                + ",Sok 1,female,,15_24,012 100001,,student,,\n")
        result = people.import_class_list(db.session, c, coh, text)
        assert [line for line, _m in result.errors] == [2, 3]
        assert (result.created, result.matched, result.enrolled) == (0, 0, 0)
        assert db.session.query(Trainee).count() == 1  # the new person was rolled back


def test_report_total_counts_a_trainee_in_two_courses_once(app, factory):
    from plugins.training import reports

    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        both = h.trainee(c, 1)  # female
        only_one = h.trainee(c, 2)  # male
        dl = h.cohort(c, h.course(c, code="DL101"))
        office = h.cohort(c, h.course(c, code="OF201", title_en="Office"), name="Office A")
        for coh, t in ((dl, both), (dl, only_one), (office, both)):
            services.enrol(db.session, coh, t)
        rows = reports.trainee_report(db.session, c, h.START, h.START + timedelta(days=30))
        *courses, total = rows
        assert [(r.code, r.trainees) for r in courses] == [("DL101", 2), ("OF201", 1)]
        assert total.title_en == "Total (distinct trainees)"
        assert total.trainees == 2  # not 3: the sum of the course rows counts "both" twice
        assert (total.sex["female"], total.sex["male"]) == (1, 1)
        assert sum(total.occupation.values()) == 2 and sum(total.age.values()) == 2


def test_merging_an_enrolled_duplicate_promotes_the_waitlist(app, factory):
    factory.center("PP-01")
    with app.app_context():
        c = h.center("PP-01")
        coh = h.cohort(c, h.course(c), capacity=2)
        keeper = h.trainee(c, 1, phone="012 111 111")
        dup = h.trainee(c, 2, phone="012111111")
        waiting_trainee = h.trainee(c, 3)
        services.enrol(db.session, coh, keeper)
        e_dup = services.enrol(db.session, coh, dup)
        waiting = services.enrol(db.session, coh, waiting_trainee)
        assert waiting.status == "waitlisted"
        people.merge_trainees(db.session, keeper, dup)
        assert e_dup.status == "withdrawn"
        assert waiting.status == "enrolled"  # the freed place went to the waitlist
        assert services.enrolled_count(db.session, coh) == 2
