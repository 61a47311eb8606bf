"""A competition's times: a national one is typed and shown in CTC_TIMEZONE whoever looks
and from whichever center; a center's keeps its center's zone; the zone is named on screen."""

import re
from datetime import date

import pytest

from core.extensions import db
from core.tenancy import Center
from plugins.dcc import competitions as comp
from plugins.dcc.competition_models import Competition
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}
NATIONAL = "Asia/Phnom_Penh, UTC+07:00"


@pytest.fixture
def site(make_app):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute",
                   CTC_TIMEZONE="Asia/Phnom_Penh")
    from core.auth.permissions import sync_builtin_roles

    with app.app_context():
        sync_builtin_roles()
        db.session.commit()
    return app


def _zoned_centers(site, factory):
    a, b = factory.center("TZ-01"), factory.center("TZ-02")
    with site.app_context():
        db.session.get(Center, a).timezone = "Asia/Tokyo"          # UTC+9
        db.session.get(Center, b).timezone = "America/New_York"    # UTC-5 in winter
        db.session.commit()
    return a, b


def _window(html: str, which: str = "registration") -> str:
    found = re.search(rf'id="{which}-window">(.*?)</dd>', html, re.S)
    assert found, f"no {which} window on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_two_centers_see_a_national_deadline_as_the_same_instant(site, factory):
    a, b = _zoned_centers(site, factory)
    factory.user("mgr-tz-a", center_id=a, role="manager")
    factory.user("mgr-tz-b", center_id=b, role="manager")
    factory.user("root-tz", deployer=True)
    with site.app_context():
        # registration closes 2026-12-01 10:00 UTC: 17:00 in Phnom Penh, 19:00 in Tokyo,
        # 05:00 in New York
        c = h.competition(None, now=h.at(2026, 11, 30, 10))
        db.session.commit()
        slug, cid = c.slug, c.id
    seen = {}
    for who in ("mgr-tz-a", "mgr-tz-b", None):
        client = site.test_client()
        if who:
            login(client, who)
        html = client.get(f"/dcc/competitions/{slug}", headers=EN).get_data(as_text=True)
        seen[who] = _window(html)
    expected = f"2026-11-29 17:00 – 2026-12-01 17:00 (time zone {NATIONAL})"
    assert seen == {"mgr-tz-a": expected, "mgr-tz-b": expected, None: expected}
    # The deployer manages it from either center and reads and types the same times.
    root = site.test_client()
    login(root, "root-tz")
    pages = {}
    for center in (a, b):
        assert root.post("/center", data={"center_id": center}).status_code == 302
        admin = root.get(f"/dcc/admin/competitions/{cid}", headers=EN).get_data(as_text=True)
        form = root.get(f"/dcc/admin/competitions/{cid}/edit", headers=EN).get_data(as_text=True)
        pages[center] = (_window(admin), _window(admin, "submission"),
                         re.search(r'name="registration_closes_at"[^>]*value="([^"]+)"',
                                   form).group(1),
                         form.count(f"Time zone: {NATIONAL}"))
    assert pages[a] == pages[b] == (
        expected, f"2026-11-29 17:00 – 2026-12-02 17:00 (time zone {NATIONAL})",
        "2026-12-01 17:00:00", 4)


def _setup_form(slug, national=False):
    form = {"slug": slug, "title_en": slug, "registration_opens_at": "2027-01-10T09:00",
            "registration_closes_at": "2027-01-20T09:00",
            "submission_opens_at": "2027-01-10T09:00",
            "submission_closes_at": "2027-01-25T09:00", "allow_link": "y",
            "file_types": "pdf", "max_file_kb": "100", "aggregation": "mean",
            "team_min": "1", "team_max": "1"}
    if national:
        form["national"] = "y"
    return form


def test_times_are_typed_in_the_competitions_zone(site, factory):
    a, b = _zoned_centers(site, factory)
    factory.user("mod-tz-b", center_id=b, role="moderator")
    factory.user("root-tz2", deployer=True)
    root = site.test_client()
    login(root, "root-tz2")
    root.post("/center", data={"center_id": a})  # the deployer works at the Tokyo center
    new = root.get("/dcc/admin/competitions/new", headers=EN).get_data(as_text=True)
    assert ("Time zone: Asia/Tokyo, UTC+09:00; for a national competition: "
            f"{NATIONAL}") in new
    assert root.post("/dcc/admin/competitions/new",
                     data=_setup_form("tz-national", national=True)).status_code == 302
    mod = site.test_client()
    login(mod, "mod-tz-b")
    new_b = mod.get("/dcc/admin/competitions/new", headers=EN).get_data(as_text=True)
    assert "Time zone: America/New_York, UTC-05:00" in new_b and "for a national competition" not in new_b
    assert mod.post("/dcc/admin/competitions/new",
                    data=_setup_form("tz-center-b")).status_code == 302
    with site.app_context():
        stored = {c.slug: (c.center_id, c.registration_opens_at.hour)
                  for c in db.session.execute(db.select(Competition)).scalars()}
    # 09:00 in Phnom Penh is 02:00 UTC; 09:00 in New York (winter) is 14:00 UTC
    assert stored == {"tz-national": (None, 2), "tz-center-b": (b, 14)}
    html = mod.get(f"/dcc/admin/competitions/{_id(site, 'tz-center-b')}",
                   headers=EN).get_data(as_text=True)
    assert _window(html) == ("2027-01-10 09:00 – 2027-01-20 09:00 "
                             "(time zone America/New_York, UTC-05:00)")


def _id(site, slug):
    with site.app_context():
        return db.session.execute(db.select(Competition.id).where(
            Competition.slug == slug)).scalar_one()


def test_age_is_counted_on_the_competitions_calendar(app_ctx, factory):
    """Registration closes 2026-12-01 12:00 UTC: already 2 December on Kiritimati (UTC+14),
    still 1 December in Phnom Penh. A member born on 2 December 2008 is 18 only there."""
    far = factory.center("TZ-03")
    db.session.get(Center, far).timezone = "Pacific/Kiritimati"
    member = h.member(date_of_birth=date(2008, 12, 2))
    kw = {"now": h.at(2026, 11, 30, 12), "min_age": 18}
    there, national = h.competition(far, **kw), h.competition(None, **kw)
    assert comp.ineligibility(there, member) == []
    assert comp.ineligibility(national, member) == [
        "Your age is outside this competition's limits."]
