"""The lab officer in a real browser: register an asset, print its tag, lend it, return it."""

from datetime import date, timedelta

from tests.conftest import DEFAULT_PASSWORD, Factory
from tests.e2e.conftest import sign_in


def test_register_print_lend_and_return_an_asset(page, live_app, live_server, tmp_path):
    live_app.config["INVENTORY_PHOTO_DIR"] = str(tmp_path)
    f = Factory(live_app)
    center = f.center("E2E-INV")
    f.user("labofficer", center_id=center, role="lab_officer")

    sign_in(page, "labofficer", DEFAULT_PASSWORD)
    page.click("nav >> text=Inventory")
    page.click("#new-asset")
    page.select_option("#category", "laptop")
    page.fill("#make", "Lenovo")
    page.fill("#model", "ThinkPad E14")
    page.fill("#serial", "E2E-LT-01")
    page.select_option("#location", "store")
    page.fill("#cost", "620.00")
    page.click("#submit")
    assert page.locator("#asset-tag").inner_text() == "E2E-INV-00001"

    href = page.get_attribute("#print-tag", "href")
    pdf = page.request.get(live_server + href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"

    page.click("#check-out")
    page.select_option("#borrower_kind", "community")
    page.fill("#borrower_name", "Chea Sokha")
    page.fill("#borrower_contact", "012 345 678")
    page.fill("#due_on", (date.today() + timedelta(days=7)).isoformat())
    page.click("#submit")
    assert page.locator("#asset-status").inner_text() == "On loan"
    assert "Chea Sokha" in page.locator("#loan-info").inner_text()

    page.click("#check-in")
    page.select_option("#condition_in", "fair")
    page.click("#submit")
    assert page.locator("#asset-status").inner_text() == "In service"
    history = page.locator("#asset-history").inner_text()
    assert "On loan" in history and "Fair" in history
