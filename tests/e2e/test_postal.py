"""A new clerk at the counter, in a real browser: open the till, sell two items paid partly
in dollars and partly in riel, print the receipt (a real PDF), close with a Z report."""

import io

import pypdf

from tests.conftest import DEFAULT_PASSWORD, Factory
from tests.e2e.conftest import sign_in
from tests.plugins.postal.conftest import make_counter


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the field has the focus, as a clerk would."""
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (stuck on #{focused(page)})")


def type_into(page, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.type(text)


def choose(page, element_id: str, typed: str, value: str) -> None:
    """Type the start of an option's label into a select (the browser's type-ahead)."""
    tab_to(page, element_id)
    page.keyboard.type(typed)
    assert page.locator(f"#{element_id}").input_value() == value


def open_item_details(page) -> None:
    # A clerk presses Alt+I (the summary's accesskey); Playwright's synthetic keys do not
    # trigger accesskeys in Chromium, so here Tab reaches the summary and Enter opens it.
    assert page.get_attribute("#item-details-toggle", "accesskey") == "i"
    tab_to(page, "item-details-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("#item-details[open]")


def sender_in_phnom_penh(page) -> None:
    type_into(page, "sender_name", "Sok Dara")
    type_into(page, "sender_phone", "012 345 678")
    choose(page, "sender_province", "Phn", "12")
    page.wait_for_selector("#sender_district option[value='1201']", state="attached")
    choose(page, "sender_district", "Cham", "1201")
    page.wait_for_selector("#sender_commune option[value='120101']", state="attached")
    choose(page, "sender_commune", "Ton", "120101")


def test_clerk_sells_two_items_mixed_payment_and_closes_with_z_report(page, live_app,
                                                                      live_server):
    make_counter(live_app, Factory(live_app))
    sign_in(page, "clerk", DEFAULT_PASSWORD)

    page.goto("/postal/")
    assert "/postal/till/open" in page.url
    page.fill("#float_khr", "100,000")
    page.fill("#float_usd", "20.00")
    page.locator("#float_usd").press("Enter")
    page.wait_for_url("**/postal/")

    # Item 1: a registered letter to Phnom Penh, from the keyboard alone; Enter adds it.
    assert focused(page) == "service_id"
    page.keyboard.type("REG")
    assert page.locator("#service_id").input_value() != ""
    type_into(page, "weight_g", "45")
    open_item_details(page)
    sender_in_phnom_penh(page)
    type_into(page, "addressee_name", "Chan Sreymom")
    type_into(page, "addressee_phone", "017 888 999")
    choose(page, "addressee_province", "Phn", "12")
    page.wait_for_selector("#addressee_district option[value='1201']", state="attached")
    choose(page, "addressee_district", "Cham", "1201")
    page.wait_for_selector("#addressee_commune option[value='120101']", state="attached")
    choose(page, "addressee_commune", "Ton", "120101")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cart tbody tr:has-text('Registered letter')")

    # Item 2: EMS to Thailand (a dollar tariff), F2 jumps back to the service list.
    page.keyboard.press("F2")
    assert focused(page) == "service_id"
    page.keyboard.type("EMS")
    type_into(page, "weight_g", "500")
    choose(page, "addressee_country", "Thailand", "TH")
    open_item_details(page)
    sender_in_phnom_penh(page)
    type_into(page, "addressee_name", "Somchai Jaidee")
    type_into(page, "addressee_phone", "+66 81 234 5678")
    type_into(page, "addressee_address", "99 Sukhumvit Road, Bangkok 10110")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cart tbody tr:has-text('EMS express')")
    # 5,000 + 500 VAT, and $15.00 = 61,500 + 6,150 VAT
    assert page.locator("#cart-total").inner_text().strip() == "73,150 ៛"

    # Pay $15 and 12,000 riel (F4 jumps to the riel tendered).
    page.keyboard.press("F4")
    page.keyboard.type("12,000")
    type_into(page, "tendered_usd", "15")
    page.keyboard.press("Enter")
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
    page.locator("#counted_khr").focus()
    page.keyboard.type("111,700")
    type_into(page, "counted_usd", "35.00")
    page.keyboard.press("Enter")
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
