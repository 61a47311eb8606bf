"""The DCC in a real browser: a member registers, a moderator approves, the member submits
to a competition the moderator set up, two judges score, and the results are published."""

from tests.conftest import DEFAULT_PASSWORD, Factory
from tests.e2e.conftest import sign_in, sign_out


def test_competition_end_to_end(page, live_app, live_server):
    live_app.config["CTC_DCC_NOTIFIER"] = "memory"
    f = Factory(live_app)
    center = f.center("E2E-D")
    f.user("moddy", center_id=center, role="moderator")
    f.user("judge-one", center_id=center, role="judge")
    f.user("judge-two", center_id=center, role="judge")

    # The moderator sets up a competition with a rubric, a prize and two judges.
    sign_in(page, "moddy", DEFAULT_PASSWORD)
    page.goto("/dcc/admin/competitions/new")
    page.fill("#slug", "e2e-hack")
    page.fill("#title_en", "E2E Hackathon")
    page.fill("#rules", "Build something useful.")
    for field in ("registration_opens_at", "submission_opens_at"):
        page.fill(f"#{field}", "2020-01-01T08:00")
    for field in ("registration_closes_at", "submission_closes_at"):
        page.fill(f"#{field}", "2099-01-01T08:00")
    page.click("#submit")
    page.fill("#cr-name_en", "Impact")
    page.fill("#cr-weight", "2")
    page.click("#cr-submit")
    page.fill("#pr-rank", "1")
    page.fill("#pr-title_en", "Gold prize")
    page.fill("#pr-amount", "500")
    page.click("#pr-submit")
    for judge in ("judge-one", "judge-two"):
        page.select_option("#user_id", label=f"{judge} · {judge.title()}")
        page.click("form:has(#user_id) #submit")
    page.click("#step-open")
    assert page.locator("#competition-status").inner_text() == "open"
    admin_url = page.url
    sign_out(page)

    # A member registers and confirms the code sent to them.
    page.goto("/dcc/join")
    page.fill("#name_km", "ស្រី មុំ")
    page.fill("#name_en", "Srey Mom")
    page.select_option("#category", "student")
    page.fill("#contact", "srey.mom@example.com")
    page.fill("#password", "srey-mom-password")
    page.fill("#password2", "srey-mom-password")
    page.select_option("#home_center_id", str(center))
    page.check("#consent_privacy")
    page.click("#submit")
    code = live_app.extensions["dcc_outbox"][-1]["body"].split("code is ")[1][:6]
    page.fill("#code", code)
    page.click("#submit")
    assert page.locator("#join-done").is_visible()

    # The moderator approves.
    sign_in(page, "moddy", DEFAULT_PASSWORD)
    page.goto("/dcc/moderation")
    page.click(".card:has-text('Srey Mom') button:has-text('Approve')")
    assert "Nobody is waiting" in page.content()
    sign_out(page)

    # The member enters and submits a link.
    sign_in(page, "srey.mom@example.com", "srey-mom-password")
    page.goto("/dcc/competitions/e2e-hack")
    page.click("a:has-text('Enter')")
    page.click("#submit")
    page.fill("#url", "https://example.com/srey-mom/project")
    page.click("#submit")
    assert "https://example.com/srey-mom/project" in page.locator("#submissions").inner_text()
    sign_out(page)

    # The moderator assigns the judges; both score.
    sign_in(page, "moddy", DEFAULT_PASSWORD)
    page.goto(admin_url)
    page.click("#step-assign")
    sign_out(page)
    for judge, score in (("judge-one", "9"), ("judge-two", "7")):
        sign_in(page, judge, DEFAULT_PASSWORD)
        page.goto("/dcc/judging")
        page.click("#my-assignments a:has-text('Score')")
        page.fill("#score-form input[type=number]", score)
        page.click("#save-scores")
        assert "Change scores" in page.locator("#my-assignments").inner_text()
        sign_out(page)

    # Freeze, publish; the public sees the ranking recomputed by hand: (90 + 70) / 2 = 80.
    sign_in(page, "moddy", DEFAULT_PASSWORD)
    page.goto(admin_url)
    page.click("#step-freeze")
    page.click("#step-publish")
    assert page.locator("#competition-status").inner_text() == "published"
    sign_out(page)
    page.goto("/dcc/competitions/e2e-hack/results")
    row = page.locator("#results tbody tr, #results tr[data-entry]").first.inner_text()
    assert "80.000000" in row and "Gold prize" in row
    assert "Srey Mom" not in page.content()  # her name is private by default
