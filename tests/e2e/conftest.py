"""Real-browser tests: the app served on 127.0.0.1 in a thread, driven by Playwright.

Playwright cannot download browsers here, so it drives Debian's chromium
(``/usr/bin/chromium``, or ``CTC_CHROMIUM``); without it these tests are skipped locally
and fail in CI (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CTC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def live_app(make_app):
    """The app with CSRF on, as users get it, seeded with roles."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles
        from core.extensions import db

        sync_builtin_roles()
        db.session.commit()
    return app


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM}: .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username, password):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(lambda url: "/login" not in url)


def sign_out(page):
    """Sign out through the user menu, as a person would."""
    page.click("nav .dropdown-toggle.btn")
    page.click("form:has(button:has-text('Sign out')) button")
    page.wait_for_url(lambda url: "/login" in url)
