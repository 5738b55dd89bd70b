import pytest

from levekar.catalogue import DOMAINS, load_catalogue
from levekar.errors import ConfigError


def test_packaged_catalogue_is_complete_and_valid():
    cat = load_catalogue()
    assert len(cat) >= 26 and "barn_lavinntekt" in cat and "np5_lesing" in cat
    for ind in cat.values():
        assert ind.domain in DOMAINS and ind.label and ind.short_label
        assert ind.scale == (1000.0 if ind.kind == "rate_per_1000" else 1.0)
    assert cat["barn_lavinntekt"].higher_is_worse and not cat["sysselsetting"].higher_is_worse


def test_study_indicators_add_and_override_fields():
    cat = load_catalogue(
        {
            "leie": {"min_denominator": 50},
            "egen": {
                "label": "Egen indikator",
                "short_label": "Egen",
                "domain": "helse",
                "direction": "higher_is_worse",
                "kind": "share",
                "numerator": "a",
                "denominator": "Folkemengde",
                "source": "kommunen",
            },
        }
    )
    assert cat["leie"].min_denominator == 50 and cat["leie"].label == load_catalogue()["leie"].label
    assert cat["egen"].domain == "helse"


def test_bad_definitions_and_unknown_ids_name_the_key():
    with pytest.raises(ConfigError, match=r"indicators.leie.kind"):
        load_catalogue({"leie": {"kind": "percent"}})
    with pytest.raises(ConfigError, match=r"unknown indicator 'ukjent'; known: .*leie"):
        load_catalogue().get_indicator("ukjent")
