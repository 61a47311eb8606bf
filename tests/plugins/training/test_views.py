"""The screens, through HTTP: forms, permissions, the attendance grid, imports, uploads,
tenancy (another center's ids are 404), reports, the dashboard widget, the background job."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image

from core.extensions import db
from core.plugins import hooks_for
from plugins.training.models import Certificate, CertificateBatch, Cohort, Enrolment, Trainee
from tests.conftest import login
from tests.plugins.training import helpers as h


@pytest.fixture
def setup(app, factory, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    a = factory.center("PP-01")
    b = factory.center("SR-01")
    trainer = factory.user("trainer1", center_id=a, role="trainer")
    factory.user("manager1", center_id=a, role="manager")
    factory.user("trainer2", center_id=b, role="trainer")
    with app.app_context():
        c = h.center("PP-01")
        crs, coh, es = h.class_of(c, 3, present_days={2: 1}, trainer_ids=[trainer])
        db.session.commit()
        return {"course": crs.id, "cohort": coh.id, "enrolments": [e.id for e in es],
                "trainees": [e.trainee_id for e in es]}


def png(size=(40, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 128, 255)).save(buf, "PNG")
    return buf.getvalue()


def test_every_screen_renders_for_a_trainer(client, setup):
    login(client, "trainer1")
    cohort = setup["cohort"]
    urls = ["/training/", "/training/courses", "/training/courses/new",
            f"/training/courses/{setup['course']}/edit", "/training/cohorts",
            "/training/cohorts/new", f"/training/cohorts/{cohort}",
            f"/training/cohorts/{cohort}/edit", f"/training/cohorts/{cohort}/enrol",
            f"/training/cohorts/{cohort}/import", f"/training/cohorts/{cohort}/attendance",
            f"/training/cohorts/{cohort}/assessments", f"/training/cohorts/{cohort}/issue",
            "/training/trainees", "/training/trainees?q=Sok", "/training/trainees/new",
            f"/training/trainees/{setup['trainees'][0]}",
            f"/training/trainees/{setup['trainees'][0]}/edit", "/training/trainees/duplicates",
            "/training/certificates", "/training/import-sample.csv", "/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/training/reports").status_code == 403  # manager only


def test_trainee_form_keeps_input_and_explains(client, setup):
    login(client, "trainer1")
    response = client.post("/training/trainees/new", data={
        "name_km": "សុខ", "name_en": "Sok", "sex": "female", "age_group": "15_24",
        "phone": "12", "occupation": "student"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "is-invalid" in html and 'value="Sok"' in html
    assert "Enter a valid phone number, e.g. 012 345 678." in html
    response = client.post(f"/training/trainees/new?cohort_id={setup['cohort']}", data={
        "name_km": "សុខ", "name_en": "Sok New", "sex": "female", "age_group": "15_24",
        "phone": "012 999 888", "occupation": "farmer"})
    assert response.status_code == 302
    with client.application.app_context():
        t = db.session.query(Trainee).filter_by(name_en="Sok New").one()
        assert t.phone == "+85512999888"
        assert db.session.query(Enrolment).filter_by(trainee_id=t.id).one().status == "enrolled"
    listed = client.get("/training/trainees?q=012+999+888").get_data(as_text=True)
    assert "Sok New" in listed and "012 999 888" in listed and "+85512999888" not in listed


def test_attendance_grid_saves_a_whole_class_in_one_post(client, setup):
    login(client, "trainer1")
    cohort, es = setup["cohort"], setup["enrolments"]
    day = (h.START + timedelta(days=1)).isoformat()
    page = client.get(f"/training/cohorts/{cohort}/attendance?day={day}").get_data(as_text=True)
    assert all(f'id="present-{e}"' in page for e in es)
    response = client.post(f"/training/cohorts/{cohort}/attendance",
                           data={"day": day, "topic": "Typing", "present": [es[0], es[2]]})
    assert response.status_code == 302
    with client.application.app_context():
        rows = db.session.execute(db.text(
            "SELECT a.enrolment_id, a.present FROM training_attendance a "
            "JOIN training_session s ON s.id = a.session_id WHERE s.day = :d"), {"d": day}).all()
        marks = {e: bool(p) for e, p in rows}
    assert marks == {es[0]: True, es[1]: False, es[2]: True}
    outside = client.post(f"/training/cohorts/{cohort}/attendance",
                          data={"day": "2020-01-01", "present": []})
    assert outside.status_code == 200 and "outside" in outside.get_data(as_text=True)


def test_scores_screen_refuses_out_of_range_and_keeps_input(client, setup):
    login(client, "trainer1")
    r = client.post(f"/training/cohorts/{setup['cohort']}/assessments",
                    data={"title": "Quiz", "max_score": 20, "weight": 1})
    assessment_url = r.location
    e0, e1 = setup["enrolments"][:2]
    bad = client.post(assessment_url, data={f"score-{e0}": "25", f"score-{e1}": "12"})
    assert bad.status_code == 200 and 'value="25"' in bad.get_data(as_text=True)
    good = client.post(assessment_url, data={f"score-{e0}": "20", f"score-{e1}": "12"})
    assert good.status_code == 302


def test_csv_import_through_the_screen(client, setup):
    login(client, "trainer1")
    data = ("name_km,name_en,sex,age_group,phone,occupation\n"
            "ក,A One,female,15_24,012 700 001,student\n"
            "ខ,B Two,robot,15_24,012 700 002,student\n")
    response = client.post(f"/training/cohorts/{setup['cohort']}/import", data={
        "file": (io.BytesIO(data.encode()), "class.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="import-errors"' in html
    assert re.search(r"<td>3</td><td>[^<]*sex", html)


def test_signature_and_seal_uploads_are_checked(client, setup):
    login(client, "trainer1")
    url = f"/training/courses/{setup['course']}/edit"
    base = {"code": "DL101", "title_km": "ក", "title_en": "Digital literacy", "hours": 20,
            "category": "digital_literacy", "min_attendance_pct": 80, "min_score_pct": 50,
            "template": "training/certificate.html", "page_format": "a4-landscape",
            "active": "y"}
    fake = client.post(url, data={**base, "signature": (io.BytesIO(b"GIF89a not png"),
                                                        "sig.png")},
                       content_type="multipart/form-data")
    assert fake.status_code == 200 and "not a readable image" in fake.get_data(as_text=True)
    huge = client.post(url, data={**base, "seal": (io.BytesIO(b"\x89PNG" + b"0" * 600_000),
                                                   "seal.png")},
                       content_type="multipart/form-data")
    assert huge.status_code == 200 and "larger than 512 KB" in huge.get_data(as_text=True)
    wrong_ext = client.post(url, data={**base, "seal": (io.BytesIO(png()), "seal.gif")},
                            content_type="multipart/form-data")
    assert wrong_ext.status_code == 200
    ok = client.post(url, data={**base, "signature": (io.BytesIO(png()), "sig.png"),
                                "seal": (io.BytesIO(png((60, 60))), "seal.jpg")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    image = client.get(f"/training/courses/{setup['course']}/seal.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")


def test_another_centers_records_are_404(client, setup):
    login(client, "trainer2")
    cohort, enrolment = setup["cohort"], setup["enrolments"][0]
    for url in [f"/training/cohorts/{cohort}", f"/training/cohorts/{cohort}/attendance",
                f"/training/courses/{setup['course']}/edit",
                f"/training/trainees/{setup['trainees'][0]}",
                f"/training/cohorts/{cohort}/issue"]:
        assert client.get(url).status_code == 404, url
    for url in [f"/training/enrolments/{enrolment}/withdraw",
                f"/training/enrolments/{enrolment}/issue", f"/training/cohorts/{cohort}/issue"]:
        assert client.post(url).status_code == 404, url
    with client.application.app_context():
        assert db.session.query(Enrolment).filter_by(status="withdrawn").count() == 0
        assert db.session.query(Certificate).count() == 0


def test_issue_revoke_reissue_through_the_screens(client, setup):
    login(client, "trainer1")
    preview = client.get(f"/training/cohorts/{setup['cohort']}/issue").get_data(as_text=True)
    assert preview.count('data-action="issue"') == 2 and "attendance 20%" in preview
    batch = client.post(f"/training/cohorts/{setup['cohort']}/issue").location
    page = client.get(batch).get_data(as_text=True)
    assert 'id="batch-skipped"' in page
    with client.application.app_context():
        cert = db.session.query(Certificate).order_by(Certificate.id).first()
        cert_id, trainee_id = cert.id, cert.trainee_id
    empty = client.post(f"/training/certificates/{cert_id}/revoke", data={"reason": ""})
    assert empty.status_code == 400
    client.post(f"/training/trainees/{trainee_id}/edit", data={
        "name_km": "សុខ ស្រីពៅ", "name_en": "Sok Sreypov", "sex": "female",
        "age_group": "15_24", "phone": "012 100 000", "occupation": "other"})
    new_url = client.post(f"/training/certificates/{cert_id}/reissue").location
    new_page = client.get(new_url).get_data(as_text=True)
    assert "Sok Sreypov" in new_page
    old_page = client.get(f"/training/certificates/{cert_id}").get_data(as_text=True)
    assert "superseded by" in old_page
    new_id = int(new_url.rsplit("/", 1)[1])
    assert client.post(f"/training/certificates/{new_id}/revoke",
                       data={"reason": "Wrong course"}).status_code == 302
    with client.application.app_context():
        statuses = sorted(c.status for c in db.session.query(Certificate))
    assert statuses == ["revoked", "superseded", "valid"]


def test_reports_csv_xlsx_and_widget_for_the_manager(client, setup):
    login(client, "manager1")
    page = client.get("/training/reports?start=2026-01-01&end=2026-12-31")
    assert page.status_code == 200 and "DL101" in page.get_data(as_text=True)
    csv_text = client.get("/training/reports/trainees.csv?start=2026-01-01&end=2026-12-31"
                          ).data.decode("utf-8-sig")
    header, first, total = csv_text.splitlines()[:3]
    assert header.startswith("Course code,Course,Course (Khmer),Trainees,Certified,Sex: female")
    assert first.startswith("DL101,Digital literacy,អក្ខរកម្មឌីជីថល,3,0,1,2")
    assert ",Total (distinct trainees)," in total
    xlsx = client.get("/training/reports/trainees.xlsx?start=2026-01-01&end=2026-12-31")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A2"].value == "DL101" and sheet["D2"].value == 3
    empty = client.get("/training/reports/trainees.csv?start=2020-01-01&end=2020-12-31")
    assert empty.data.decode("utf-8-sig").splitlines()[1].startswith(
        ",Total (distinct trainees),សរុប (សិក្ខាកាមម្នាក់រាប់តែម្តង),0,0")
    dashboard = client.get("/").get_data(as_text=True)
    assert "Certificates issued this month" in dashboard


def _ours(groups):
    """The training plugin's answers (other plugins may answer the same hook)."""
    return [r for group in groups for r in group if r.ref.startswith("training:")]


def test_find_people_for_loans_and_repair_trainees(app, setup):
    with app.app_context():
        c = h.center("PP-01")
        loan = _ours(hooks_for(c).ctc_find_people(center=c, query="Sok", purpose="loan"))
        assert len(loan) == 3 and all(r.ref.startswith("training:trainee:") for r in loan)
        assert _ours(hooks_for(c).ctc_find_people(center=c, query="",
                                                  purpose="repair_trainee")) == []
        repair = h.course(c, code="REP1", category="repair")
        coh = h.cohort(c, repair, name="Repair")
        from plugins.training import services

        services.enrol(db.session, coh, db.session.get(Trainee, setup["trainees"][1]))
        found = _ours(hooks_for(c).ctc_find_people(center=c, query="012 100 001",
                                                   purpose="repair_trainee"))
        assert [r.ref for r in found] == [f"training:trainee:{setup['trainees'][1]}"]
        other = h.center("SR-01")
        assert _ours(hooks_for(other).ctc_find_people(center=other, query="Sok",
                                                      purpose="loan")) == []


def test_long_batches_run_as_a_background_job(make_app, factory):
    app = make_app(CTC_JOBS_BACKEND="eager", CTC_TRAINING_JOB_THRESHOLD=2)
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    factory.app = app
    center_id = factory.center("PP-01")
    trainer = factory.user("trainer1", center_id=center_id, role="trainer")
    with app.app_context():
        c = h.center("PP-01")
        _crs, coh, _es = h.class_of(c, 3, trainer_ids=[trainer])
        db.session.commit()
        cohort_id = coh.id
    client = app.test_client()
    login(client, "trainer1")
    response = client.post(f"/training/cohorts/{cohort_id}/issue")
    assert response.status_code == 302 and "/jobs/" in response.location
    job = client.get(response.location.rstrip("/") + ".json").get_json()
    assert job["status"] == "done" and job["download_url"].startswith("/training/batches/")
    assert job["done"] == job["total"]
    with app.app_context():
        batch = db.session.query(CertificateBatch).one()
        assert batch.status == "done" and batch.count == 3 and batch.job_id
        assert db.session.query(Certificate).filter(Certificate.pdf_sha256 != "").count() == 3
    assert client.get(job["download_url"] + ".pdf").status_code == 200


def test_long_batch_of_a_cohort_without_trainer_is_refused(make_app, factory):
    """Above the job threshold the screen refuses before queueing; a job queued anyway (the
    trainer removed meanwhile) fails with the service's message and no certificate."""
    app = make_app(CTC_JOBS_BACKEND="eager", CTC_TRAINING_JOB_THRESHOLD=2)
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    factory.app = app
    center_id = factory.center("PP-01")
    trainer = factory.user("trainer1", center_id=center_id, role="trainer")
    with app.app_context():
        c = h.center("PP-01")
        _crs, coh, _es = h.class_of(c, 3, trainer_ids=())
        db.session.commit()
        cohort_id = coh.id
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, "trainer1")
    refused = client.post(f"/training/cohorts/{cohort_id}/issue")
    assert refused.status_code == 302 and "/jobs/" not in refused.location
    assert "no trainer" in client.get(refused.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(CertificateBatch).count() == 0
        from core.jobs import enqueue
        from core.tenancy import Center

        center = db.session.get(Center, center_id)
        batch = CertificateBatch(center_id=center_id, cohort_id=cohort_id,
                                 created_by_id=trainer)
        db.session.add(batch)
        db.session.flush()
        job = enqueue("training.bulk_issue", center=center, batch_id=batch.id)
        job_id, batch_id = job.id, batch.id
    # outside a request the message is in the default language, Khmer ("has no trainer")
    answer = client.get(f"/jobs/{job_id}.json").get_json()
    assert answer["status"] == "failed" and "គ្មានគ្រូបង្គោល" in answer["error"]
    with app.app_context():
        batch = db.session.get(CertificateBatch, batch_id)
        assert batch.status == "failed" and "គ្មានគ្រូបង្គោល" in batch.error
        assert db.session.query(Certificate).count() == 0


def test_a_cohort_without_trainer_is_not_issued(client, setup):
    login(client, "trainer1")
    with client.application.app_context():
        coh = db.session.get(Cohort, setup["cohort"])
        coh.trainer_links.clear()
        db.session.commit()
    preview = client.get(f"/training/cohorts/{setup['cohort']}/issue").get_data(as_text=True)
    assert 'id="no-trainer"' in preview and "This cohort has no trainer" in preview
    assert 'id="issue-button"' not in preview
    refused = client.post(f"/training/cohorts/{setup['cohort']}/issue")
    assert refused.status_code == 302
    assert "no trainer" in client.get(refused.location).get_data(as_text=True)
    single = client.post(f"/training/enrolments/{setup['enrolments'][0]}/issue")
    assert single.status_code == 302
    assert "no trainer" in client.get(single.location).get_data(as_text=True)
    km = client.get(f"/training/cohorts/{setup['cohort']}/issue",
                    headers={"Accept-Language": "km"}).get_data(as_text=True)
    assert 'id="no-trainer"' in km and "This cohort has no trainer" not in km
    with client.application.app_context():
        assert db.session.query(Certificate).count() == 0
        assert db.session.query(CertificateBatch).count() == 0
