"""A trainer in a real browser: takes attendance for a whole cohort, issues the
certificates in bulk, downloads the PDF; the public verify page of one code says valid."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import DEFAULT_PASSWORD, Factory
from tests.e2e.conftest import sign_in
from tests.plugins.training import helpers as h


def test_trainer_takes_attendance_issues_in_bulk_and_a_code_verifies(page, live_app,
                                                                     live_server, browser):
    f = Factory(live_app)
    center_id = f.center("E2E-T")
    trainer_id = f.user("trainer", center_id=center_id, role="trainer")
    with live_app.app_context():
        from core.extensions import db
        from plugins.training import services

        c = h.center("E2E-T")
        course = h.course(c, min_attendance_pct=75, min_score_pct=50)
        cohort = h.cohort(c, course, days=4, trainer_ids=[trainer_id])
        enrolments = [services.enrol(db.session, cohort, h.trainee(c, i)) for i in range(4)]
        exam = services.add_assessment(db.session, cohort, title="Final test")
        services.record_scores(db.session, exam, {e.id: 70 for e in enrolments})
        db.session.commit()
        cohort_id = cohort.id
        absent_name = enrolments[3].trainee.name_en

    sign_in(page, "trainer", DEFAULT_PASSWORD)
    page.goto(f"/training/cohorts/{cohort_id}")
    page.click("#nav-attendance")
    for d in range(4):
        page.fill("#day", (h.START + timedelta(days=d)).isoformat())
        page.click("#tick-all")
        if d >= 2:  # the fourth trainee misses the last two days: 50 % < 75 %
            page.locator(f"label:has-text('{absent_name}') input").uncheck()
        page.click("#save-attendance")
        page.wait_for_selector(".alert-success")
    assert page.locator("#attendance-grid tbody tr").count() == 4

    page.click("#nav-issue")
    assert page.locator("#issue-preview tr[data-action='issue']").count() == 3
    page.click("#issue-button")
    page.wait_for_selector("#download-pdf")
    assert absent_name in page.locator("#batch-skipped").inner_text()
    assert page.locator("#batch-certificates tbody tr").count() == 3

    pdf_url = page.locator("#download-pdf").get_attribute("href")
    pdf = page.request.get(live_server + pdf_url)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    from core.documents.render import pdf_page_sizes_mm

    assert pdf_page_sizes_mm(pdf.body()) == [(297.0, 210.0)] * 3

    verify_href = page.locator("#batch-certificates a.verify-link").first.get_attribute("href")
    public = browser.new_context(base_url=live_server, locale="en-US",
                                 extra_http_headers={"Accept-Language": "en"})
    try:
        visitor = public.new_page()
        visitor.goto(verify_href)
        status = visitor.locator("#verify-status")
        assert status.get_attribute("data-status") == "valid"
        assert "Valid" in status.inner_text()
        assert "Digital literacy" in visitor.content()
    finally:
        public.close()
