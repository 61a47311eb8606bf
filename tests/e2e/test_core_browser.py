"""The deployer's main flow in a real browser: sign in, switch a plugin off and on."""

from tests.conftest import DEFAULT_PASSWORD, Factory
from tests.e2e.conftest import sign_in, sign_out


def test_deployer_switches_a_plugin_for_one_center(page, live_app, live_server):
    f = Factory(live_app)
    a = f.center("E2E-A")
    f.center("E2E-B")
    f.user("root", deployer=True)
    f.user("mgr", center_id=a, role="manager")

    sign_in(page, "root", DEFAULT_PASSWORD)
    page.goto("/admin/centers")
    page.click("text=E2E-A >> xpath=ancestor::tr >> text=Plugins")
    page.click("#plugin-postal button")
    assert page.locator("#plugin-postal .badge").inner_text() == "Off"
    page.goto("/admin/centers")
    page.click("text=E2E-A >> xpath=ancestor::tr >> text=Plugins")
    assert page.locator("#plugin-training .badge").inner_text() == "On"
    sign_out(page)

    sign_in(page, "mgr", DEFAULT_PASSWORD)
    assert page.request.get(live_server + "/postal/").status == 404
    assert page.request.get(live_server + "/training/").status == 200
    assert "Post office" not in page.locator("nav").inner_text()
    assert "Training" in page.locator("nav").inner_text()
