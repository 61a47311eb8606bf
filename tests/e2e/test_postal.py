"""A new clerk at the counter, in a real browser: open the till, sell two items paid partly
in dollars and partly in riel, print the receipt (a real PDF), close with a Z report."""

import io

import pypdf

from tests.conftest import DEFAULT_PASSWORD, Factory
from tests.e2e.conftest import sign_in
from tests.plugins.postal.conftest import make_counter


def test_clerk_sells_two_items_mixed_payment_and_closes_with_z_report(page, live_app,
                                                                      live_server):
    make_counter(live_app, Factory(live_app))
    sign_in(page, "clerk", DEFAULT_PASSWORD)

    page.goto("/postal/")
    assert "/postal/till/open" in page.url
    page.fill("#float_khr", "100,000")
    page.fill("#float_usd", "20.00")
    page.click("#submit")
    page.wait_for_url("**/postal/")

    # Item 1: a registered letter to Phnom Penh, typed from the keyboard; Enter adds it.
    assert page.evaluate("document.activeElement.id") == "service_id"
    page.select_option("#service_id", label="REG · Registered letter")
    page.fill("#weight_g", "45")
    page.locator("#item-details summary").click()
    page.fill("#sender_name", "Sok Dara")
    page.fill("#sender_phone", "012 345 678")
    page.fill("#addressee_name", "Chan Sreymom")
    page.fill("#addressee_phone", "017 888 999")
    page.select_option("#addressee_province", "12")
    page.wait_for_selector("#addressee_district option[value='1201']", state="attached")
    page.select_option("#addressee_district", "1201")
    page.wait_for_selector("#addressee_commune option[value='120101']", state="attached")
    page.select_option("#addressee_commune", "120101")
    page.locator("#addressee_address").press("Enter")
    page.wait_for_selector("#cart tbody tr:has-text('Registered letter')")

    # Item 2: EMS to Thailand (a dollar tariff), F2 jumps back to the service list.
    page.keyboard.press("F2")
    assert page.evaluate("document.activeElement.id") == "service_id"
    page.select_option("#service_id", label="EMS · EMS express")
    page.fill("#weight_g", "500")
    page.select_option("#addressee_country", "TH")
    page.locator("#item-details summary").click()
    page.fill("#sender_name", "Sok Dara")
    page.fill("#addressee_name", "Somchai Jaidee")
    page.fill("#addressee_phone", "+66 81 234 5678")
    page.fill("#addressee_address", "99 Sukhumvit Road, Bangkok 10110")
    page.locator("#addressee_address").press("Enter")
    page.wait_for_selector("#cart tbody tr:has-text('EMS express')")
    # 5,000 + 500 VAT, and $15.00 = 61,500 + 6,150 VAT
    assert page.locator("#cart-total").inner_text().strip() == "73,150 ៛"

    # Pay $15 and 12,000 riel (F4 jumps to the riel tendered).
    page.keyboard.press("F4")
    page.keyboard.type("12,000")
    page.fill("#tendered_usd", "15")
    page.locator("#tendered_usd").press("Enter")
    page.wait_for_url("**/postal/sales/*")
    # 73,500 riel of value; 73,200 due after cash rounding; 300 riel back
    assert page.locator("#sale-change").inner_text().strip() == "300 ៛"
    codes = page.locator("a.s10").all_inner_texts()
    assert len(codes) == 2 and codes[0].startswith("RR") and codes[1].startswith("EE")

    href = page.get_attribute("#print-receipt", "href")
    receipt = page.request.get(live_server + href)
    assert receipt.status == 200
    assert receipt.headers["content-type"] == "application/pdf"
    body = receipt.body()
    assert body.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert "73,200" in text and "4,100" in text and "$15.00" in text and "12,000" in text
    for code in codes:
        assert f"{code[:2]} {code[2:5]} {code[5:8]} {code[8:11]} {code[11:]}" in text
    assert page.request.get(live_server + href).body() == body  # kept as issued

    page.goto("/postal/till")
    page.fill("#counted_khr", "111,700")
    page.fill("#counted_usd", "35.00")
    page.click("form[action$='/close'] #submit")
    page.wait_for_selector("#diff-khr")
    assert page.locator("#diff-khr").inner_text().strip() == "0 ៛"
    assert page.locator("#diff-usd").inner_text().strip() == "$0.00"
    z_href = page.get_attribute("#till-report", "href")
    z = page.request.get(live_server + z_href)
    assert z.status == 200 and z.headers["content-type"] == "application/pdf"
    assert z.body().startswith(b"%PDF")
    z_text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(z.body())).pages)
    assert "Z REPORT" in z_text and "111,700" in z_text and "$35.00" in z_text
    assert "Z" in page.locator("#till-report").inner_text()
