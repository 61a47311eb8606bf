"""Tariff bands at their exact limits, validity dates, maximum weights, CSV import/export."""

from datetime import date

import pytest

from core.extensions import db
from plugins.postal.models import Tariff
from plugins.postal.services_catalogue import (
    PricingError,
    export_tariffs,
    import_goods,
    import_services,
    import_tariffs,
    price_service,
    zone_for,
)

ON = date(2026, 6, 1)


def price(ctx, code, grams, zone="DOM", on=ON):
    return price_service(db.session, ctx.center, ctx.service(code), grams, zone, on)


LETTER_CASES = [
    (1, 1000), (20, 1000),  # first band: up to 20 g inclusive
    (21, 2000), (100, 2000),  # second band
    (101, 4000), (500, 4000), (501, 8000), (2000, 8000),
]
PARCEL_CASES = [
    (1000, 8000),  # top of the first band
    (1001, 8000),  # second band: base covers the first 1,000 g above 1,000 g
    (2000, 8000),
    (2001, 10000),  # one more started step
    (3000, 10000),
    (3001, 12000),
    (30000, 8000 + 28 * 2000),
]


def test_letter_bands_at_their_limits(catalogue):
    got = [(g, price(catalogue, "LETTER", g).minor) for g, _riel in LETTER_CASES]
    assert got == LETTER_CASES
    assert {price(catalogue, "LETTER", g).currency for g, _ in LETTER_CASES} == {"KHR"}


def test_parcel_steps_above_the_band_floor(catalogue):
    got = [(g, price(catalogue, "PARCEL", g).minor) for g, _riel in PARCEL_CASES]
    assert got == PARCEL_CASES


def test_international_zone_and_usd_tariff(catalogue):
    assert zone_for(db.session, catalogue.center, "th") == "Z1"
    got = price(catalogue, "EMS", 501, zone="Z1")
    assert (got.minor, got.currency) == (1500, "USD")
    assert price(catalogue, "EMS", 1001, zone="Z1").minor == 1500 + 450


def test_unknown_country_zone_is_refused(catalogue):
    with pytest.raises(PricingError, match="No postal zone"):
        zone_for(db.session, catalogue.center, "BR")


def test_over_the_maximum_weight_is_refused(catalogue):
    assert price(catalogue, "LETTER", 2000).minor == 8000
    with pytest.raises(PricingError, match="limit"):
        price(catalogue, "LETTER", 2001)


def test_zero_weight_is_refused(catalogue):
    with pytest.raises(PricingError, match="weight"):
        price(catalogue, "LETTER", 0)


def test_validity_dates_choose_the_tariff(catalogue):
    service = catalogue.service("LETTER")
    old = db.session.execute(db.select(Tariff).filter_by(
        service_id=service.id, zone="DOM", max_weight_g=20)).scalar_one()
    old.valid_to = date(2026, 6, 30)
    db.session.add(Tariff(center_id=catalogue.center_id, service_id=service.id, zone="DOM",
                          max_weight_g=20, base_minor=1500, currency="KHR",
                          valid_from=date(2026, 7, 1)))
    db.session.flush()
    assert price(catalogue, "LETTER", 20, on=date(2026, 6, 30)).minor == 1000
    assert price(catalogue, "LETTER", 20, on=date(2026, 7, 1)).minor == 1500
    with pytest.raises(PricingError, match="No tariff"):
        price(catalogue, "LETTER", 20, on=date(2025, 12, 31))


def test_tariff_csv_round_trip_and_row_errors(catalogue):
    text = export_tariffs(db.session, catalogue.center)
    assert text.splitlines()[0].startswith("service,zone,max_weight_g,base")
    assert "LETTER,DOM,20,1000" in text
    bad = (
        "service,zone,max_weight_g,base,step_g,step,currency,valid_from,valid_to\n"
        "LETTER,DOM,20,1200,,0,KHR,2027-01-01,\n"  # good: new tariff next year
        "NOPE,DOM,20,1200,,0,KHR,2027-01-01,\n"  # unknown service
        "LETTER,DOM,abc,1200,,0,KHR,2027-01-01,\n"  # bad weight
        "LETTER,DOM,100,2200,,0,EUR,2027-01-01,\n"  # bad currency
        "LETTER,DOM,100,2200,,0,KHR,2027-13-01,\n"  # bad date
        "LETTER,DOM,100,2400,,0,KHR,2027-01-01,\n"  # good
    )
    result = import_tariffs(db.session, catalogue.center, bad)
    assert result.created == 2
    assert [row for row, _msg in result.errors] == [3, 4, 5, 6]
    assert "unknown service" in result.errors[0][1]
    # the 2027 price list replaces the 2026 one whole
    assert price(catalogue, "LETTER", 20, on=date(2027, 2, 1)).minor == 1200
    assert price(catalogue, "LETTER", 21, on=date(2027, 2, 1)).minor == 2400
    assert price(catalogue, "LETTER", 21, on=date(2026, 12, 31)).minor == 2000
    with pytest.raises(PricingError, match="heaviest"):
        price(catalogue, "LETTER", 101, on=date(2027, 2, 1))
    again = import_tariffs(db.session, catalogue.center, bad)  # same keys: updated, not doubled
    assert again.created == 0 and again.updated == 2


def test_services_and_goods_csv_import(catalogue):
    result = import_services(db.session, catalogue.center, (
        "code,name_en,name_km,kind,max_weight_g,vat_percent,flat_price,flat_currency,active\n"
        "SCAN,Scanning,,counter,,0,300,KHR,1\n"
        "BAD,Bad,,rocket,,10,,KHR,1\n"))
    assert result.created == 1 and result.errors[0][0] == 3
    assert catalogue.service("SCAN").vat_bp == 0
    result = import_goods(db.session, catalogue.center, (
        "code,name_en,name_km,price,currency,vat_percent,stock,active\n"
        "PEN,Pen,,1500,KHR,10,12,1\n"
        ",No code,,1,KHR,10,1,1\n"))
    assert result.created == 1 and result.errors == [(3, "code is required")]
    assert catalogue.goods("PEN").stock == 12


def test_zones_csv_round_trip_and_row_errors(catalogue):
    from core.extensions import db
    from plugins.postal.services_catalogue import export_zones, import_zones

    session, center = db.session, catalogue.center
    exported = export_zones(session, center)
    assert exported.startswith("country,zone\r\n") and "\nTH," in exported  # RFC 4180
    again = import_zones(session, center, exported)
    assert again.errors == [] and again.created == 0 and again.updated > 0
    result = import_zones(session, center, "country,zone\nth,Z9\nQQ,Z1\nKH,Z2\nJP,\nBT,z5\n")
    assert result.created == 1 and result.updated == 1
    assert [row for row, _ in result.errors] == [3, 4, 5]
    assert "ISO 3166" in result.errors[0][1] and "DOM" in result.errors[1][1]
    assert export_zones(session, center) != exported
    assert "\nTH,Z9" in export_zones(session, center) and "\nBT,Z5" in export_zones(session, center)
    assert import_zones(session, center, "land,zone\nTH,Z1\n").errors[0][0] == 1
