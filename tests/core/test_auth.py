"""Authentication and its protections: hashing, login, throttling, CSRF, cookies, redirects,
the permission decorator, and login on every non-public view."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from core import create_app
from core.auth.models import User
from core.extensions import db
from tests.conftest import DEFAULT_PASSWORD, Factory, base_config, csrf_token, login
from tests.core.throwaway.fixtures import fast_hashing  # noqa: F401

EN = {"Accept-Language": "en"}


@pytest.fixture
def member(app):
    factory = Factory(app)
    center = factory.center("AU-01")
    factory.user("dara", center_id=center, role="manager")
    factory.user("sok", center_id=center, role="clerk")
    return center


def url_for_rule(app, rule, method):
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    if "lang" in rule.arguments:
        values["lang"] = "en"
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


def app_rules(app, method):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method in rule.methods and not rule.endpoint.endswith("static"):
            yield rule


def same_origin(location: str) -> bool:
    """Would a browser stay on this site? Browsers read a backslash as a slash and drop
    tabs and newlines; a percent-encoded backslash stays part of the path."""
    cleaned = location.replace("\\", "/").replace("\t", "").replace("\n", "").strip()
    parts = urlsplit(cleaned)
    return parts.scheme in ("", "http") and parts.netloc in ("", "localhost")


# -- passwords and login -------------------------------------------------------------


def test_passwords_are_hashed_with_a_strong_method(app, member):
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="dara")).scalar_one()
        assert DEFAULT_PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert user.check_password(DEFAULT_PASSWORD)
        assert not user.check_password(DEFAULT_PASSWORD + "x")


@pytest.mark.usefixtures("fast_hashing")
def test_login_and_logout(client, member):
    assert client.get("/", headers=EN).status_code == 302
    response = login(client, "Dara")  # user names are case-insensitive
    assert response.headers["Location"].endswith("/")
    assert client.get("/", headers=EN).status_code == 200
    response = client.post("/logout", headers=EN)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/", headers=EN).status_code == 302


@pytest.mark.usefixtures("fast_hashing")
def test_wrong_password_says_so(client, member):
    page = client.post("/login", data={"username": "dara", "password": "wrong-password!"},
                       headers=EN)
    assert page.status_code == 200
    assert "Wrong user name or password." in page.get_data(as_text=True)
    page = client.post("/login", data={"username": "nobody", "password": "wrong-password!"},
                       headers=EN)
    assert "Wrong user name or password." in page.get_data(as_text=True)
    assert client.get("/", headers=EN).status_code == 302


@pytest.mark.usefixtures("fast_hashing")
def test_login_is_throttled_per_user_name(app, client, member):
    limit = app.config["CTC_LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        client.post("/login", data={"username": "dara", "password": "wrong-password!"})
    page = client.post("/login", data={"username": "dara", "password": DEFAULT_PASSWORD},
                       headers=EN)
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.get_data(as_text=True)
    assert client.get("/", headers=EN).status_code == 302  # not signed in
    # another user at the same address is not locked out
    login(app.test_client(), "sok")


@pytest.mark.usefixtures("fast_hashing")
def test_throttle_limit_comes_from_config(make_app):
    app = make_app(CTC_LOGIN_MAX_FAILURES=2)
    factory = Factory(app)
    factory.user("solo", deployer=True)
    client = app.test_client()
    for _ in range(2):
        client.post("/login", data={"username": "solo", "password": "wrong-password!"})
    assert client.post("/login", data={"username": "solo",
                                       "password": DEFAULT_PASSWORD}).status_code == 429


# -- CSRF -------------------------------------------------------------------------------


@pytest.mark.usefixtures("fast_hashing")
def test_every_post_without_a_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    from core.auth.permissions import sync_builtin_roles

    with app.app_context():
        sync_builtin_roles()
        db.session.commit()
    factory = Factory(app)
    factory.center("CS-01")
    factory.user("root", deployer=True)
    client = app.test_client()
    token = csrf_token(client.get("/login", headers=EN).get_data(as_text=True))
    signed_in = client.post("/login", data={"username": "root", "password": DEFAULT_PASSWORD,
                                            "csrf_token": token})
    assert signed_in.status_code == 302
    rules = list(app_rules(app, "POST"))
    assert any(r.endpoint == "auth.login" for r in rules)
    refused = {}
    for rule in rules:
        url = url_for_rule(app, rule, "POST")
        refused[url] = client.post(url, data={}, headers=EN).status_code
    assert set(refused.values()) == {400}, {u: s for u, s in refused.items() if s != 400}
    assert client.get("/", headers=EN).status_code == 200  # still signed in


def test_forms_carry_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    html = app.test_client().get("/login", headers=EN).get_data(as_text=True)
    assert csrf_token(html)


# -- cookies ----------------------------------------------------------------------------


@pytest.mark.usefixtures("fast_hashing")
def test_session_cookie_is_secure_httponly_and_lax_by_default(make_app, migrated):
    make_app()  # only for the clean-up of the test database
    config = base_config(migrated)
    del config["SESSION_COOKIE_SECURE"], config["REMEMBER_COOKIE_SECURE"]
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    Factory(app).user("cookie", deployer=True)
    response = app.test_client().post(
        "/login", data={"username": "cookie", "password": DEFAULT_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"]))
    flags = {part.strip().lower() for part in session_cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    remember = next(c for c in cookies if c.startswith("remember_token"))
    flags = {part.strip().lower() for part in remember.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- redirects --------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example",
    "http:/evil.example", " //evil.example", "/\t/evil.example", "javascript:alert(1)",
])
@pytest.mark.usefixtures("fast_hashing")
def test_open_redirect_after_login_is_refused(client, member, target):
    response = client.post("/login", query_string={"next": target},
                           data={"username": "dara", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert same_origin(response.headers["Location"]), response.headers["Location"]


@pytest.mark.usefixtures("fast_hashing")
def test_a_local_next_is_followed(client, member):
    response = client.post("/login", query_string={"next": "/audit?action=create"},
                           data={"username": "dara", "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/audit?action=create"


@pytest.mark.usefixtures("fast_hashing")
def test_language_and_center_switch_refuse_foreign_next(client, member):
    login(client, "dara")
    for url, data in (("/language/en", {"next": "//evil.example"}),
                      ("/center", {"center_id": member, "next": "/\\evil.example"})):
        response = client.post(url, data=data)
        assert response.status_code == 302 and same_origin(response.headers["Location"])


# -- who may see what -------------------------------------------------------------------


@pytest.mark.usefixtures("fast_hashing")
def test_permission_decorator_gives_403_to_a_member_without_it(client, member):
    login(client, "sok")  # a clerk: no core.view_audit
    assert client.get("/audit", headers=EN).status_code == 403
    assert client.get("/staff", headers=EN).status_code == 403
    assert client.get("/admin/centers", headers=EN).status_code == 403


def test_permission_decorator_sends_anonymous_users_to_login(client, member):
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_non_public_view_requires_login(app, client, method):
    checked, problems = 0, []
    for rule in app_rules(app, method):
        view = app.view_functions[rule.endpoint]
        if getattr(view, "ctc_public", False):
            continue
        url = url_for_rule(app, rule, method)
        response = client.open(url, method=method, data={}, headers=EN)
        checked += 1
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/login" not in location:
            problems.append(f"{method} {url} ({rule.endpoint}): {response.status_code} {location}")
    assert checked >= (5 if method == "GET" else 2)
    assert not problems, "views open to anonymous users:\n" + "\n".join(problems)


def test_public_views_are_few_and_marked(app):
    public = sorted(
        rule.endpoint for rule in app_rules(app, "GET")
        if getattr(app.view_functions[rule.endpoint], "ctc_public", False)
    )
    assert "auth.login" in public and "core.healthz" in public
    assert "core.dashboard" not in public and "core.audit_log" not in public


@pytest.mark.usefixtures("fast_hashing")
def test_inactive_user_cannot_sign_in(app, client, member):
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="dara")).scalar_one()
        user.active = False
        db.session.commit()
    page = client.post("/login", data={"username": "dara", "password": DEFAULT_PASSWORD},
                       headers=EN)
    assert page.status_code == 200
    assert client.get("/", headers=EN).status_code == 302


@pytest.mark.usefixtures("fast_hashing")
def test_a_deactivated_user_is_signed_out_at_the_next_request(app, client, member):
    login(client, "dara")
    assert client.get("/", headers=EN).status_code == 200
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="dara")).scalar_one()
        user.active = False
        db.session.commit()
    response = client.get("/", headers=EN)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
