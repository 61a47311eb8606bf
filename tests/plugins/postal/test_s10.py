"""UPU S10 identifiers: check digits, validation, normalisation (plugins/postal/s10.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.postal import s10

# Identifiers from the UPU S10 standard's example and from operators' published samples.
KNOWN_VALID = [
    "RR473124829GB",  # UPU S10 example: serial 47312482, check digit 9
    "EE123456785US",
    "CP000000005KH",  # sum 0: 11 - 0 = 11 -> 5
    "RA123456785SG",
    "RR287043775IN",  # Wikipedia's photo of an India Post label: 11 -> 5
    "LZ123456785CN",
    "VA000000005TH",
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_identifiers_are_valid(code):
    assert s10.is_valid(code)
    assert s10.normalize(code) == code


def test_upu_example_check_digit():
    assert s10.check_digit("47312482") == 9


def test_check_digit_ten_becomes_zero_and_eleven_becomes_five():
    # 00000000: sum 0 -> 11 - 0 = 11 -> 5
    assert s10.check_digit("00000000") == 5
    # 00000001: sum 7 -> 11 - 7 = 4 (plain case)
    assert s10.check_digit("00000001") == 4
    # 00000008: sum 56, 56 mod 11 = 1 -> 11 - 1 = 10 -> 0
    assert s10.check_digit("00000008") == 0
    assert s10.check_digit("00000000") != 11 and s10.check_digit("00000008") != 10


def _raw_check(serial):
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    return 11 - total % 11


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_check_digit_is_one_digit_and_follows_the_rule(serial):
    digit = s10.check_digit(serial)
    raw = _raw_check(serial)
    assert 0 <= digit <= 9
    assert digit == {10: 0, 11: 5}.get(raw, raw)


@given(st.integers(0, 99_999_999), st.sampled_from(["RR", "EE", "CP", "EA", "LX", "VV"]),
       st.sampled_from(["KH", "GB", "US", "TH", "FR"]))
def test_made_identifiers_are_valid_and_survive_spaces_and_case(serial, indicator, country):
    code = s10.make(indicator, serial, country)
    assert len(code) == 13 and s10.is_valid(code)
    messy = " " + s10.grouped(code).lower() + " "
    assert s10.normalize(messy) == code
    assert not s10.is_valid(messy)  # is_valid wants the canonical form


@given(st.integers(0, 99_999_999), st.integers(1, 9))
def test_any_single_wrong_check_digit_is_rejected(serial, shift):
    code = s10.make("RR", serial, "KH")
    wrong = code[:10] + str((int(code[10]) + shift) % 10) + code[11:]
    if s10.check_digit(code[2:10]) == int(wrong[10]):
        return  # cannot happen: shift is 1-9
    with pytest.raises(ValueError, match="check digit"):
        s10.normalize(wrong)
    assert not s10.is_valid(wrong)


@given(st.integers(0, 99_999_999), st.integers(0, 7), st.integers(1, 9))
def test_a_single_mistyped_serial_digit_is_caught(serial, position, shift):
    code = s10.make("EE", serial, "KH")
    digits = list(code[2:10])
    digits[position] = str((int(digits[position]) + shift) % 10)
    typo = code[:2] + "".join(digits) + code[10:]
    # weights are all different from 0 mod 11 and 11 is prime: one changed digit always
    # changes the sum mod 11, but the 10->0 / 11->5 folding can hide it in rare cases.
    if s10.check_digit("".join(digits)) != int(code[10]):
        assert not s10.is_valid(typo)


@given(st.text(max_size=20))
def test_normalize_returns_canonical_or_raises_value_error(text):
    try:
        code = s10.normalize(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert s10.is_valid(code)


@pytest.mark.parametrize("text, reason", [
    ("RR473124828GB", "check digit"),
    ("RR47312482\u17e9GB", "non-ASCII digits"),  # Khmer digit nine
    ("RR\uff14\uff17\uff13124829GB", "non-ASCII digits"),  # full-width digits
    ("JJ473124829GB", "reserved"),
    ("XA473124829GB", "reserved"),
    ("FA473124829GB", "not assigned"),
    ("QZ473124829GB", "not assigned"),
    ("RR473124829UK", "ISO 3166"),
    ("RR473124829XX", "ISO 3166"),
    ("RR47312482GB", "13 characters"),
    ("", "empty"),
    ("R1473124829GB", "two letters"),
])
def test_rejections_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        s10.normalize(text)
    assert not s10.is_valid(text)


def test_normalize_strips_spaces_and_case():
    assert s10.normalize("rr 473 124 829 gb") == "RR473124829GB"
    assert s10.normalize("\tRR-473124829-GB\n") == "RR473124829GB"


def test_grouped_form_for_labels():
    assert s10.grouped("RR473124829GB") == "RR 473 124 829 GB"


def test_check_digit_refuses_bad_serials():
    for bad in ("4731248", "473124821", "4731248a", "4731248\u17e9"):
        with pytest.raises(ValueError):
            s10.check_digit(bad)


def test_rejections_carry_a_key_for_translated_messages():
    with pytest.raises(s10.S10Error) as refused:
        s10.normalize("RR473124828GB")
    assert refused.value.key == "check"
    assert refused.value.params == {"got": "8", "expected": 9}
