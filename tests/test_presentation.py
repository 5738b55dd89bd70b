import math

from levekar.render.presentation import (
    MISSING,
    area_colours,
    format_number,
    format_percent,
    format_probability,
    format_value,
)


def test_thousands_use_thin_space_and_decimal_comma():
    assert format_number(85123) == "85\u2009123"
    assert format_number(1234567.891, decimals=2) == "1\u2009234\u2009567,89"
    assert format_number(-0.5, decimals=1) == "-0,5"


def test_percent_and_kinds():
    assert format_percent(0.248) == "24,8\u00a0%"
    assert format_value(0.1, "share") == "10,0\u00a0%"
    assert format_value(8.54, "rate_per_1000") == "8,5\u00a0‰"
    assert format_value(375000, "median") == "375\u2009000"


def test_missing_is_a_dash():
    assert format_number(math.nan) == MISSING
    assert format_percent(None) == MISSING


def test_no_negative_zero_and_probabilities_never_certain():
    assert format_number(-0.004, decimals=2) == "0,00" and format_number(-0.4) == "0"
    assert format_number(-0.006, decimals=2) == "-0,01"
    assert format_probability(0.999) == "over 99\u00a0%" and format_probability(1.0) == (
        "over 99\u00a0%"
    )
    assert format_probability(0.0) == "under 1\u00a0%" and format_probability(0.5) == "50\u00a0%"


def test_one_colour_per_area_whatever_the_order():
    assert area_colours(["b", "a", "c"]) == area_colours(["c", "a", "b"])
    assert len(set(area_colours([f"LS{i:02d}" for i in range(21)]).values())) == 21


def test_an_estimated_value_says_why():
    from levekar.render.presentation import estimated_reason, is_estimated

    suppressed = {"publish_status": "estimated", "approximate": False}
    assert is_estimated(suppressed)
    assert estimated_reason(suppressed, "share") == "noen grunnkretser er skjult av SSB"
    median = {"publish_status": "published", "approximate": True}
    assert is_estimated(median)
    assert estimated_reason(median, "median").startswith("median satt sammen av grunnkretsenes")
    assert estimated_reason(median, "mean").startswith("gjennomsnitt satt sammen")
    assert "uten tellere" in estimated_reason(median, "share")  # a share from published rates
    assert not is_estimated({"publish_status": "published", "approximate": float("nan")})
