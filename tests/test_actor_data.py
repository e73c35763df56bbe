"""The actor data files: whowhom/data/actors/countries.yaml and sectors.yaml.

These tests read the files as a user would (plain PyYAML), independent of the loader, and
state what the data promise: every state once, every name form meaning one state, every
sector word meaning one sector.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ACTORS = Path(__file__).resolve().parents[1] / "whowhom" / "data" / "actors"
COUNTRIES_FILE = ACTORS / "countries.yaml"
SECTORS_FILE = ACTORS / "sectors.yaml"

UN_MEMBERS = set("""
AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA
BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE PRK COD DNK
DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB
GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT KGZ LAO LVA LBN LSO
LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG MNE MAR MOZ MMR NAM NRU
NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT KOR MDA ROU RUS RWA
KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE
SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR TZA USA URY UZB VUT VEN VNM YEM ZMB
ZWE
""".split())
OTHER_STATES = {"TWN", "XKX", "PSE", "ESH", "HKG", "MAC", "VAT"}

REQUIRED_FIELDS = ("code", "name", "names", "former", "demonyms", "capital", "metonyms", "lat", "lon")
LIST_FIELDS = ("names", "former", "demonyms", "metonyms")
REQUIRED_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "ELI", "OPP", "REB", "INS", "SEP", "MED",
                    "BUS", "CVL", "REL", "EDU", "NGO", "IGO", "REF"}


def key(phrase: str) -> str:
    """How phrases are compared: case, curly apostrophes and spacing do not matter."""
    return " ".join(phrase.replace("\u2019", "'").lower().split())


@pytest.fixture(scope="module")
def countries() -> list[dict]:
    data = yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


@pytest.fixture(scope="module")
def sectors() -> dict[str, dict]:
    data = yaml.safe_load(SECTORS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def by_code(countries) -> dict[str, dict]:
    return {c["code"]: c for c in countries}


def forms(country: dict) -> set[str]:
    """Every phrase that points at this state: names, former names, demonyms, metonyms, capital."""
    out = {key(country["name"]), key(str(country["capital"]))}
    for field in LIST_FIELDS:
        out.update(key(x) for x in country[field])
    return out


def owner(countries: list[dict], phrase: str) -> set[str]:
    """The states a phrase points at, and through which field."""
    return {c["code"] for c in countries if key(phrase) in forms(c)}


# -------------------------------------------------------------------- the files themselves

@pytest.mark.parametrize("path", [COUNTRIES_FILE, SECTORS_FILE], ids=lambda p: p.name)
def test_each_file_opens_with_a_comment_saying_what_it_is_and_its_licence(path):
    head = path.read_text(encoding="utf-8").split("\n\n")[0]
    assert head.startswith("#")
    assert "whowhom" in head and "MIT" in head


# ------------------------------------------------------------------------------ countries

def test_every_un_member_and_the_other_actor_states_are_listed(by_code):
    assert len(by_code) >= 199
    assert UN_MEMBERS - set(by_code) == set()
    assert OTHER_STATES - set(by_code) == set()


def test_iso_codes_are_three_upper_case_letters_and_unique(countries):
    codes = [c["code"] for c in countries]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[A-Z]{3}", code), code


def test_kosovo_uses_the_code_in_common_use(by_code):
    assert by_code["XKX"]["name"] == "Kosovo"


def test_every_entry_has_all_fields_of_the_right_kind(countries):
    for c in countries:
        missing = [f for f in REQUIRED_FIELDS if f not in c]
        assert not missing, (c.get("code"), missing)
        assert isinstance(c["name"], str) and c["name"].strip()
        assert isinstance(c["capital"], str) and c["capital"].strip(), c["code"]
        for field in LIST_FIELDS:
            assert isinstance(c[field], list), (c["code"], field)
            for x in c[field]:
                assert isinstance(x, str) and x == x.strip() and x, (c["code"], field, x)
        assert c["name"] in c["names"], c["code"]


def test_coordinates_are_on_the_globe(countries):
    for c in countries:
        assert isinstance(c["lat"], (int, float)) and isinstance(c["lon"], (int, float)), c["code"]
        assert -90 <= c["lat"] <= 90, c["code"]
        assert -180 <= c["lon"] <= 180, c["code"]


def test_coordinates_put_states_in_the_right_hemispheres(by_code):
    assert by_code["AUS"]["lat"] < 0 < by_code["AUS"]["lon"]
    assert by_code["BRA"]["lat"] < 0 > by_code["BRA"]["lon"]
    assert by_code["CAN"]["lat"] > 0 > by_code["CAN"]["lon"]
    assert by_code["CHN"]["lat"] > 0 < by_code["CHN"]["lon"]


def test_every_name_form_points_at_one_state_only(countries):
    seen: dict[str, str] = {}
    clashes = []
    for c in countries:
        for phrase in forms(c):
            if phrase in seen and seen[phrase] != c["code"]:
                clashes.append((phrase, seen[phrase], c["code"]))
            seen[phrase] = c["code"]
    assert clashes == []


@pytest.mark.parametrize("phrase, field, code", [
    ("Kremlin", "metonyms", "RUS"),
    ("the Kremlin", "metonyms", "RUS"),
    ("the White House", "metonyms", "USA"),
    ("Downing Street", "metonyms", "GBR"),
    ("Zhongnanhai", "metonyms", "CHN"),
    ("Beijing", "metonyms", "CHN"),
    ("Teheran", "metonyms", "IRN"),
    ("Kiev", "metonyms", "UKR"),
    ("Kyiv", "metonyms", "UKR"),
    ("the Blue House", "metonyms", "KOR"),
    ("Emirati", "demonyms", "ARE"),
    ("Afghan", "demonyms", "AFG"),
    ("Afghans", "demonyms", "AFG"),
    ("Chinese", "demonyms", "CHN"),
    ("South Korean", "demonyms", "KOR"),
    ("North Korean", "demonyms", "PRK"),
    ("Congolese", "demonyms", "COD"),
    ("Dominican", "demonyms", "DOM"),
    ("Sudanese", "demonyms", "SDN"),
    ("South Sudanese", "demonyms", "SSD"),
    ("Guinean", "demonyms", "GIN"),
    ("Britons", "demonyms", "GBR"),
    ("Filipino", "demonyms", "PHL"),
    ("DPRK", "names", "PRK"),
    ("ROK", "names", "KOR"),
    ("Republic of China", "names", "TWN"),
    ("People's Republic of China", "names", "CHN"),
    ("PRC", "names", "CHN"),
    ("U.S.", "names", "USA"),
    ("the United States", "names", "USA"),
    ("UAE", "names", "ARE"),
    ("Britain", "names", "GBR"),
    ("Russian Federation", "names", "RUS"),
    ("Ivory Coast", "names", "CIV"),
    ("Côte d'Ivoire", "names", "CIV"),
    ("Türkiye", "names", "TUR"),
    ("Turkey", "names", "TUR"),
    ("Burma", "former", "MMR"),
    ("Zaire", "former", "COD"),
    ("Swaziland", "former", "SWZ"),
])
def test_spot_checks(by_code, phrase, field, code):
    assert key(phrase) in {key(x) for x in by_code[code][field]}


@pytest.mark.parametrize("phrase", ["Korea", "Korean", "Koreans"])
def test_forms_that_do_not_say_which_state_are_left_out(countries, phrase):
    assert owner(countries, phrase) == set()


def test_chinese_means_china_not_its_special_regions(countries):
    assert owner(countries, "Chinese") == {"CHN"}


# -------------------------------------------------------------------------------- sectors

def test_the_cameo_sectors_whowhom_relies_on_are_there(sectors):
    assert REQUIRED_SECTORS - set(sectors) == set()


def test_each_sector_has_a_label_a_priority_and_words(sectors):
    for code, spec in sectors.items():
        assert re.fullmatch(r"[A-Z]{3}", code), code
        assert isinstance(spec.get("label"), str) and spec["label"], code
        assert isinstance(spec.get("priority", 0), int), code
        words = spec.get("words")
        assert isinstance(words, list) and words, code


def test_sector_words_are_lower_case_and_tidy(sectors):
    for code, spec in sectors.items():
        for w in spec["words"]:
            assert isinstance(w, str), (code, w)
            assert w == w.lower() == " ".join(w.split()) and w, (code, w)


def test_each_word_belongs_to_one_sector_only(sectors):
    seen: dict[str, str] = {}
    clashes = []
    for code, spec in sectors.items():
        for w in spec["words"]:
            if key(w) in seen:
                clashes.append((w, seen[key(w)], code))
            seen[key(w)] = code
    assert clashes == []


def test_no_sector_word_is_also_a_state_name(sectors, countries):
    state_forms = set().union(*(forms(c) for c in countries))
    words = {key(w) for spec in sectors.values() for w in spec["words"]}
    assert words & state_forms == set()


@pytest.mark.parametrize("word, code", [
    ("government", "GOV"), ("foreign minister", "GOV"), ("officials", "GOV"),
    ("defence minister", "GOV"),  # CAMEO GOVMIL: the primary role is kept
    ("troops", "MIL"), ("armed forces", "MIL"), ("military", "MIL"),
    ("police", "COP"), ("security forces", "COP"),
    ("supreme court", "JUD"), ("prosecutor", "JUD"),
    ("parliament", "LEG"), ("lawmakers", "LEG"),
    ("former president", "ELI"),
    ("opposition", "OPP"), ("dissidents", "OPP"),
    ("rebels", "REB"), ("guerrillas", "REB"),
    ("insurgents", "INS"), ("militants", "INS"), ("jihadists", "INS"),
    ("separatists", "SEP"),
    ("gunmen", "UAF"), ("militia", "UAF"),
    ("state media", "MED"), ("journalist", "MED"),
    ("company", "BUS"),
    ("civilians", "CVL"), ("protesters", "CVL"),
    ("cleric", "REL"), ("muslims", "REL"),
    ("students", "EDU"),
    ("aid group", "NGO"),
    ("refugees", "REF"), ("asylum seekers", "REF"),
])
def test_sector_spot_checks(sectors, word, code):
    assert word in sectors[code]["words"]


def test_specific_sectors_outrank_the_government_and_civilians(sectors):
    p = {code: spec.get("priority", 0) for code, spec in sectors.items()}
    # "government troops" is MIL, "rebel leader" REB, "civilian government" GOV.
    assert p["MIL"] > p["GOV"] > p["CVL"]
    assert p["REB"] > p["GOV"] and p["OPP"] > p["LEG"]
    assert p["SEP"] > p["REB"]
