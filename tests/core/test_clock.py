"""core/clock.py: the zone of a center or of the installation; local days and times against
the naive UTC the database stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import render_template_string

from core import clock
from core.extensions import db
from core.tenancy import Center, utcnow
from tests.conftest import PROJECT_DIR

PHNOM_PENH = SimpleNamespace(timezone="Asia/Phnom_Penh")     # UTC+7, no daylight saving
NEW_YORK = SimpleNamespace(timezone="America/New_York")      # UTC-5, UTC-4 in summer
KIRITIMATI = SimpleNamespace(timezone="Pacific/Kiritimati")  # UTC+14
PAGO_PAGO = SimpleNamespace(timezone="Pacific/Pago_Pago")    # UTC-11


def test_the_zone_is_the_centers_else_the_installations(make_app):
    assert clock.zone_name(NEW_YORK) == "America/New_York"
    assert clock.zone_name() == "Asia/Phnom_Penh"  # no app: the default
    assert clock.zone_name(SimpleNamespace(timezone="")) == "Asia/Phnom_Penh"
    app = make_app(CTC_TIMEZONE="Asia/Tokyo")
    with app.app_context():
        assert clock.zone_name() == "Asia/Tokyo"
        assert clock.zone_name(SimpleNamespace(timezone=None)) == "Asia/Tokyo"
        assert clock.zone_name(NEW_YORK) == "America/New_York"
        assert str(clock.zone()) == "Asia/Tokyo"
        # 20:00 UTC is already tomorrow in Tokyo (UTC+9), still today in New York
        assert clock.date_of(datetime(2026, 5, 1, 20, 0)) == date(2026, 5, 2)
        assert clock.date_of(datetime(2026, 5, 1, 20, 0), NEW_YORK) == date(2026, 5, 1)


@pytest.mark.parametrize("center, utc_instant, local_day", [
    # 23:30 in Phnom Penh is 16:30 UTC the same day; 00:30 the next day is 17:30 UTC
    (PHNOM_PENH, datetime(2026, 1, 1, 16, 30), date(2026, 1, 1)),
    (PHNOM_PENH, datetime(2026, 1, 1, 17, 30), date(2026, 1, 2)),
    # 23:30 on 1 January in New York is 04:30 UTC on the 2nd
    (NEW_YORK, datetime(2026, 1, 2, 4, 30), date(2026, 1, 1)),
    (NEW_YORK, datetime(2026, 1, 2, 5, 30), date(2026, 1, 2)),
    (NEW_YORK, datetime(2026, 7, 2, 3, 30), date(2026, 7, 1)),  # summer: UTC-4
])
def test_a_stored_moment_falls_on_the_centers_day(center, utc_instant, local_day):
    assert clock.date_of(utc_instant, center) == local_day
    assert clock.date_of(utc_instant.replace(tzinfo=UTC), center) == local_day
    assert clock.date_of(local_day, center) == local_day  # a date stays as it is
    start, end = clock.day_bounds(local_day, center)
    assert start <= utc_instant < end
    assert clock.to_local(utc_instant, center).date() == local_day
    assert clock.to_local(utc_instant, center).minute == 30


def test_day_bounds_are_naive_utc_and_follow_the_clock_changes():
    assert clock.day_bounds(date(2026, 1, 1), PHNOM_PENH) == (
        datetime(2025, 12, 31, 17, 0), datetime(2026, 1, 1, 17, 0))
    assert clock.day_bounds(date(2026, 1, 1), NEW_YORK) == (
        datetime(2026, 1, 1, 5, 0), datetime(2026, 1, 2, 5, 0))
    # 8 March 2026: New York springs forward, the day has 23 hours; 1 November: 25
    spring = clock.day_bounds(date(2026, 3, 8), NEW_YORK)
    assert spring == (datetime(2026, 3, 8, 5, 0), datetime(2026, 3, 9, 4, 0))
    autumn = clock.day_bounds(date(2026, 11, 1), NEW_YORK)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    # consecutive days meet exactly: nothing falls between them or into both
    assert clock.day_bounds(date(2026, 3, 9), NEW_YORK)[0] == spring[1]
    for bound in (*spring, *autumn):
        assert bound.tzinfo is None


def test_to_utc_and_to_local_are_inverse():
    typed = datetime(2026, 6, 30, 23, 30)  # what someone types: local wall-clock time
    assert clock.to_utc(typed, PHNOM_PENH) == datetime(2026, 6, 30, 16, 30)
    assert clock.to_utc(typed, NEW_YORK) == datetime(2026, 7, 1, 3, 30)
    for center in (PHNOM_PENH, NEW_YORK, KIRITIMATI):
        assert clock.to_local(clock.to_utc(typed, center), center) == typed
        assert clock.to_utc(typed, center).tzinfo is None
        assert clock.to_local(clock.to_utc(typed, center), center).tzinfo is None
    aware = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert clock.to_utc(aware, NEW_YORK) == datetime(2026, 6, 30, 23, 30)  # already UTC
    assert clock.to_local(aware, NEW_YORK) == datetime(2026, 6, 30, 19, 30)
    assert clock.to_local(None) is None and clock.to_utc(None) is None


def test_today_and_now_are_the_centers():
    before = utcnow()
    days = {c.timezone: clock.today(c) for c in (KIRITIMATI, PAGO_PAGO)}
    now_there = clock.now_local(KIRITIMATI)
    after = utcnow()
    # 25 hours apart: Kiritimati is always one or two days ahead of Pago Pago
    ahead = days["Pacific/Kiritimati"] - days["Pacific/Pago_Pago"]
    assert ahead in (timedelta(days=1), timedelta(days=2))
    assert clock.date_of(before, KIRITIMATI) <= days["Pacific/Kiritimati"] <= clock.date_of(
        after, KIRITIMATI)
    assert now_there.tzinfo is None
    assert before + timedelta(hours=14) <= now_there <= after + timedelta(hours=14)


def test_sequences_count_years_on_the_same_clock(app, factory):
    from core.sequences import allocate_int, center_date

    center_id = factory.center("NY-01")
    with app.app_context():
        center = db.session.get(Center, center_id)
        center.timezone = "America/New_York"
        # 03:00 UTC on 1 January is still New Year's Eve in New York
        eve = datetime(2027, 1, 1, 3, 0)
        assert center_date(center, eve) == clock.date_of(eve, center) == date(2026, 12, 31)
        assert allocate_int(db.session, center, "r", on=eve) == 1
        assert allocate_int(db.session, center, "r", on=date(2027, 1, 1)) == 1  # a new year
        db.session.rollback()


def test_templates_show_times_at_the_current_center(app):
    from flask import g

    from core.i18n import select_timezone

    stored = datetime(2026, 1, 1, 16, 30)
    show = "{{ to_local(t).strftime('%d %H:%M') }}|{{ (t|localtime).strftime('%H:%M') }}"
    with app.test_request_context("/"):  # nobody signed in: the installation's zone
        assert render_template_string(show, t=stored) == "01 23:30|23:30"
        assert select_timezone() == "Asia/Phnom_Penh"
    with app.test_request_context("/"):
        g.ctc_center = NEW_YORK  # what current_center() found for the signed-in user
        assert render_template_string(show, t=stored) == "01 11:30|11:30"
        assert select_timezone() == "America/New_York"
        assert render_template_string("{{ to_local(t, c).strftime('%d %H:%M') }}",
                                      t=stored, c=KIRITIMATI) == "02 06:30"


def test_plugins_keep_no_time_zone_of_their_own():
    offenders = [str(path.relative_to(PROJECT_DIR)) for path in (PROJECT_DIR / "plugins").rglob("*.py")
                 if any(word in path.read_text(encoding="utf-8")
                        for word in ("ZoneInfo", "zoneinfo", "Phnom_Penh", "pytz"))]
    assert offenders == [], f"use core.clock instead of a zone of its own: {offenders}"


def test_a_new_center_takes_the_installations_zone_unless_told(make_app):
    from core import services

    app = make_app(CTC_TIMEZONE="Asia/Bangkok")
    with app.app_context():
        here = services.create_center(code="BK-01", name_en="B", name_km="ខ", province_code="12")
        there = services.create_center(code="NY-01", name_en="N", name_km="ន",
                                       province_code="12", timezone="America/New_York")
        assert (here.timezone, there.timezone) == ("Asia/Bangkok", "America/New_York")
        with pytest.raises(services.CoreError, match="Mars/Olympus"):
            services.create_center(code="XX-01", name_en="X", name_km="X", province_code="12",
                                   timezone="Mars/Olympus")
        db.session.rollback()
