"""Help lines and out-of-role texts exist for every category and region falls back."""
import pytest

from bot.safety import CATEGORIES, resources_for, safety_message
from bot.safety.resources import INTERNATIONAL, regions


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_has_a_message(category):
    text = safety_message(category)
    assert 60 < len(text) < 600


def test_minor_message_ends_the_practice_and_abuse_offers_to_go_on():
    assert "stop" in safety_message("minor").lower() and "session" in safety_message("minor")
    assert "go on practising" in safety_message("abuse")


@pytest.mark.parametrize("region", [None, "US", "GB", "uk", "CA", "AU", "IE", "DE", "ZZ", ""])
@pytest.mark.parametrize("category", CATEGORIES)
def test_resources_for_every_category_and_region(category, region, monkeypatch):
    monkeypatch.delenv("REHEARSE_REGION", raising=False)
    entries = resources_for(category, region)
    assert entries, (category, region)
    for entry in entries:
        assert entry["name"] and entry["description"] and (entry.get("phone") or entry.get("url"))
    kinds = [e["region"] for e in entries]
    assert kinds[-1] == INTERNATIONAL
    assert kinds == sorted(kinds, key=lambda r: r == INTERNATIONAL), "regional entries first"


def test_region_specific_entries_come_first():
    us = resources_for("self_harm", "US")
    assert us[0]["region"] == "US" and us[0]["phone"] == "988"
    gb = resources_for("abuse", "uk")
    assert gb[0]["region"] == "GB"
    assert any(e.get("phone") == "0808 2000 247" for e in gb)


def test_unknown_region_falls_back_to_international():
    assert {e["region"] for e in resources_for("danger", "ATLANTIS")} == {INTERNATIONAL}


def test_region_from_environment(monkeypatch):
    monkeypatch.setenv("REHEARSE_REGION", "au")
    assert resources_for("abuse")[0]["name"] == "1800RESPECT"


def test_required_regions_and_therapist_note():
    assert {"US", "GB", "CA", "AU", "IE", "DE"} <= set(regions())
    assert any("Kink Aware" in e["name"] for e in resources_for("therapist"))


def test_unknown_category_is_a_clear_error():
    with pytest.raises(ValueError):
        resources_for("sadness")
