from tests.conftest import login


def test_login_page_and_dashboard(client, factory):
    center = factory.center("PP-09")
    factory.user("dara", center_id=center)
    assert client.get("/", headers={"Accept-Language": "en"}).status_code == 302
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b"Sign in" in page.data
    login(client, "dara")
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert b"Center PP-09" in page.data
