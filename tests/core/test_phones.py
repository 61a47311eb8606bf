"""core.phones: reading typed numbers into E.164, showing them back, and where core uses it
(the center form, the `ctc centers create` command, the `phone` template filter)."""

import pytest
from flask import render_template_string
from flask_babel import gettext

from core import phones
from core.extensions import db
from core.tenancy import Center
from tests.conftest import login

KH_MESSAGE = "Enter a valid phone number, e.g. 012 345 678."


@pytest.mark.parametrize("text, region, e164", [
    ("012 345 678", "KH", "+85512345678"),                 # 0 prefix, spaces
    ("012-345-678", "KH", "+85512345678"),                 # dashes
    ("(012) 345.678", "KH", "+85512345678"),               # brackets, dots
    ("012345678", "KH", "+85512345678"),
    ("12 345 678", "KH", "+85512345678"),                  # the 0 forgotten
    ("097 123 4567", "KH", "+855971234567"),               # ten-digit mobile
    ("023 880 880", "KH", "+85523880880"),                 # Phnom Penh landline
    ("+855 12 345 678", "KH", "+85512345678"),
    ("+855 (0)12 345 678", "KH", "+85512345678"),
    ("(+855) 12 345 678", "KH", "+85512345678"),
    ("855 12 345 678", "KH", "+85512345678"),
    ("00855 12 345 678", "KH", "+85512345678"),            # 00 works as + (KH dials 001)
    ("០១២ ៣៤៥ ៦៧៨", "KH", "+85512345678"),                 # Khmer digits
    ("+៨៥៥ ៩៧ ១២៣ ៤៥៦៧", "KH", "+855971234567"),
    ("០១២-៣៤៥-678", "KH", "+85512345678"),                 # mixed digits
    ("\u200b012\u00a0345\u00a0678 ", "KH", "+85512345678"),  # pasted: zero-width, no-break
    ("+66 81 234 5678", "KH", "+66812345678"),             # foreign, with its code
    ("0066 81 234 5678", "KH", "+66812345678"),
    ("081 234 5678", "TH", "+66812345678"),                # foreign, read in its region
    ("06 12 34 56 78", "fr", "+33612345678"),              # region in lower case
    ("+85512345678", "FR", "+85512345678"),                # a + number ignores the region
    ("012 345 678", None, "+85512345678"),                 # no region: Cambodia
    ("012 345 678", "", "+85512345678"),
])
def test_normalise_accepts(text, region, e164):
    assert phones.normalise(text, region) == e164
    assert phones.normalise(e164, region) == e164  # stored values read back unchanged


@pytest.mark.parametrize("text", ["", "   ", None])
def test_nothing_typed_stays_empty(text):
    assert phones.normalise(text) == ""
    assert phones.display(text) == ""


@pytest.mark.parametrize("text, region", [
    ("12", "KH"), ("012 34", "KH"), ("abc", "KH"), ("not-a-phone", "KH"),
    ("012 34S 678", "KH"),          # a letter is never read as a keypad digit
    ("012 345 678 ext 5", "KH"),    # E.164 has no room for an extension
    ("+", "KH"), ("+855", "KH"), ("012+345678", "KH"), ("0" * 41, "KH"),
    ("081 234 5678", "KH"),         # a Thai number without its country code
    ("117", "KH"),                  # a short code
    ("012 345 678", "ZZ"),          # an unknown region, no country code
])
def test_normalise_refuses_with_a_clear_message(text, region):
    with pytest.raises(phones.PhoneError) as refused:
        phones.normalise(text, region)
    assert isinstance(refused.value, ValueError)
    assert str(refused.value).startswith("Enter a valid phone number, e.g. ")
    assert not phones.is_valid(text, region)


def test_the_example_fits_the_region():
    with pytest.raises(phones.PhoneError, match="012 345 678"):
        phones.normalise("12")
    with pytest.raises(phones.PhoneError, match=r"e\.g\. \+33 6 "):
        phones.normalise("12", "FR")


def test_is_valid():
    assert phones.is_valid("012 345 678") and phones.is_valid("")
    assert not phones.is_valid("012")


@pytest.mark.parametrize("e164, region, shown", [
    ("+85512345678", "KH", "012 345 678"),
    ("+855971234567", "KH", "097 123 4567"),
    ("+85523880880", None, "023 880 880"),
    ("+66812345678", "KH", "+66 81 234 5678"),   # foreign: international
    ("+85512345678", "TH", "+855 12 345 678"),
    ("+66812345678", "TH", "081 234 5678"),
    ("012 999", "KH", "012 999"),                # an old value that is no number: as it is
])
def test_display(e164, region, shown):
    assert phones.display(e164, region) == shown


def test_message_is_translated_in_a_request_and_english_outside(app):
    with pytest.raises(phones.PhoneError) as refused:
        phones.normalise("12")
    assert str(refused.value) == KH_MESSAGE  # no app context at all
    with app.test_request_context("/?lang=km"):
        km = str(refused.value)  # lazy: translated when shown
        assert km == gettext("Enter a valid phone number, e.g. %(example)s.",
                             example="012 345 678")
        assert km != KH_MESSAGE and "012 345 678" in km and "លេខទូរស័ព្ទ" in km


def test_phone_filter(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ p|phone }}", p="+85512345678") == "012 345 678"
        assert render_template_string("{{ p|phone }}", p="+66812345678") == "+66 81 234 5678"
        assert render_template_string("{{ p|phone or '-' }}", p="") == "-"
        assert render_template_string("{{ p|phone('TH') }}", p="+66812345678") == "081 234 5678"


def test_center_form_stores_e164_and_explains_a_bad_number(client, factory):
    factory.user("root", deployer=True)
    login(client, "root")
    form = {"code": "KP-01", "name_km": "កំពត", "name_en": "Kampot", "province_code": "07",
            "address": "", "phone": "12"}
    refused = client.post("/admin/centers/new", data=form, headers={"Accept-Language": "en"})
    assert refused.status_code == 200 and KH_MESSAGE in refused.get_data(as_text=True)
    created = client.post("/admin/centers/new", data={**form, "phone": "០៣៣ ៩៣២ ១២៣"})
    assert created.status_code == 302
    with client.application.app_context():
        center = db.session.execute(db.select(Center).where(Center.code == "KP-01")).scalar_one()
        assert center.phone == "+85533932123"
        center_id = center.id
    edited = client.post(f"/admin/centers/{center_id}/edit", data={**form, "phone": ""})
    assert edited.status_code == 302
    with client.application.app_context():
        assert db.session.get(Center, center_id).phone == ""


def test_cli_normalises_and_refuses_in_english(app):
    from core.cli import cli

    runner = app.test_cli_runner()
    ok = runner.invoke(cli, ["centers", "create", "--code", "KP-02", "--name-en", "Kampot",
                             "--name-km", "កំពត", "--province", "7", "--phone", "033 932 123"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["centers", "create", "--code", "KP-03", "--name-en", "Kampot",
                              "--name-km", "កំពត", "--province", "7", "--phone", "033"])
    assert bad.exit_code != 0 and KH_MESSAGE in bad.output
    with app.app_context():
        phones_stored = db.session.execute(db.select(Center.code, Center.phone)).all()
        assert [tuple(r) for r in phones_stored] == [("KP-02", "+85533932123")]


def test_display_international_for_papers_that_cross_a_border():
    assert phones.display("+85512345678", "KH", international=True) == "+855 12 345 678"
    assert phones.display("+85512345678", "KH") == "012 345 678"
