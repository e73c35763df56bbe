"""The supplementary named-actor files: whowhom/data/actors/organizations_*.yaml and
people_*.yaml (organizations_more.yaml, people_more.yaml and any later supplement).

They extend people.yaml and organizations.yaml (heads of state and government since 2010,
ministers, military chiefs, opposition figures; fleets, services, parties, universities, news
agencies, companies). These tests read them as a user would (plain PyYAML), hold them to the
same promises as the main files (see test_named_actors_data.py), and add the one that matters
for a supplement: nothing in them repeats or collides with the main files. The last tests load
the shipped knowledge base to show the loader reads every file.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml


from _actor_files import ACTORS, CAMEO_SECTORS, ENTRY_KEYS, ROLE_KEYS, bounds, covers, key, load, role_on  # noqa: F401
from _actor_files import check_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown, check_aliases_are_clean_strings_listed_once_and_include_the_name, check_people_have_a_surname_found_in_their_names, check_roles_have_known_fields_a_sector_and_a_country_or_a_code  # noqa: E501

MORE_ORGS_FILES = sorted(ACTORS.glob("organizations_*.yaml"))
MORE_PEOPLE_FILES = sorted(ACTORS.glob("people_*.yaml"))
MAIN_FILES = [ACTORS / "organizations.yaml", ACTORS / "people.yaml"]
COUNTRIES_FILE = ACTORS / "countries.yaml"
SECTORS_FILE = ACTORS / "sectors.yaml"


# Words that must never be aliases: matching ignores case, so each would fire on ordinary text.
COMMON_WORDS = set("""
a an and are as at be but by can do for go had has he her him his i if in is it its let me may
my no not now of on one or our out say see she so that the their them they this to up us was we
who will with you all any new old who why how when where which what way day man men
ice raw care plan spa app rand dawn amnesty congress memorial sun mail times post guardian
independent economist observer nation hindu punch trend ban hope unity vanguard reform
government army police court party council assembly parliament state
""".split())

# Short forms the main files leave out on purpose; the supplement must not bring them back.
LEFT_OUT = ["IS", "WHO", "LeT", "Amnesty", "Dawn", "Congress", "CCTV", "IRA", "NPA", "PTI",
            "Fars", "Saba", "Politburo", "MIT", "ICE", "RAW", "PDF", "FT", "NSA", "KIA", "PLAN"]

# Short forms the supplement leaves out on purpose, besides the main files' list: each names
# several things or is a common word (see the notes on the entries).
MORE_LEFT_OUT = ["MENA", "WAM", "National Guard", "Revolutionary Guards", "Pacific Fleet", "TPP",
                 "PAN", "PT", "MAS", "APC", "DA", "ADF", "SAS", "IAF", "NIS", "Petra", "Shell",
                 "Guardian", "The Guardian", "Diet", "Labour", "Intel", "Reliance", "Rafael"]


# ----------------------------------------------------------------------------- helpers ------

@pytest.fixture(scope="module")
def orgs() -> list[dict]:
    return [e for path in MORE_ORGS_FILES for e in load(path)]


@pytest.fixture(scope="module")
def people() -> list[dict]:
    return [e for path in MORE_PEOPLE_FILES for e in load(path)]


@pytest.fixture(scope="module")
def everyone(orgs, people) -> list[dict]:
    return orgs + people


@pytest.fixture(scope="module")
def main_entries() -> list[dict]:
    return [e for path in MAIN_FILES for e in load(path)]


@pytest.fixture(scope="module")
def by_alias(everyone) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in everyone:
        for a in e["aliases"]:
            out.setdefault(key(a), []).append(e)
    return out


@pytest.fixture(scope="module")
def all_by_alias(everyone, main_entries) -> dict[str, list[dict]]:
    """Every alias of all the files, for spot checks that may land in either."""
    out: dict[str, list[dict]] = {}
    for e in main_entries + everyone:
        for a in e["aliases"]:
            out.setdefault(key(a), []).append(e)
    return out


def find(index, alias: str) -> dict:
    hits = index.get(key(alias), [])
    assert len(hits) == 1, f"{alias!r} names {len(hits)} entries"
    return hits[0]


# ------------------------------------------------------------------------- the files ------

@pytest.mark.parametrize("path", MORE_ORGS_FILES + MORE_PEOPLE_FILES, ids=lambda p: p.name)
def test_each_file_opens_with_a_comment_saying_what_it_is_its_licence_and_its_age(path):
    head = path.read_text(encoding="utf-8").split("\n\n")[0]
    assert head.startswith("#")
    assert "whowhom" in head and "MIT" in head and "late 2026" in head


@pytest.mark.parametrize("path", MORE_ORGS_FILES + MORE_PEOPLE_FILES, ids=lambda p: p.name)
def test_each_file_loads_with_safe_load_as_a_list_of_mappings(path):
    data = load(path)
    assert data and all(isinstance(e, dict) for e in data)


def test_there_are_at_least_150_organisations_and_800_people(orgs, people):
    assert len(orgs) >= 150
    assert len(people) >= 800


def test_each_file_holds_one_kind(orgs, people):
    assert {e["kind"] for e in orgs} == {"organization"}
    assert {e["kind"] for e in people} == {"person"}


def test_canonical_names_are_unique_across_the_two_files(everyone):
    names = [key(e["name"]) for e in everyone]
    assert {n for n in names if names.count(n) > 1} == set()


# ------------------------------------------------------------------------- the entries ------

def test_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown(everyone):
    check_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown(everyone)


def test_aliases_are_clean_strings_listed_once_and_include_the_name(everyone):
    check_aliases_are_clean_strings_listed_once_and_include_the_name(everyone)


def test_people_have_a_surname_found_in_their_names(people, orgs):
    check_people_have_a_surname_found_in_their_names(people, orgs)


def test_roles_have_known_fields_a_sector_and_a_country_or_a_code(everyone):
    check_roles_have_known_fields_a_sector_and_a_country_or_a_code(everyone)


def test_country_codes_are_states_listed_in_countries_yaml(everyone):
    known = {c["code"] for c in yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8"))}
    used = {r["country"] for e in everyone for r in e["roles"] if r["country"]}
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in used)
    assert used - known == set()


def test_sectors_are_cameo_sector_codes(everyone):
    for e in everyone:
        for r in e["roles"]:
            assert r["sector"] in CAMEO_SECTORS, (e["name"], r["sector"])


def test_codes_are_cameo_style_and_agree_with_the_sector(everyone):
    for e in everyone:
        for r in e["roles"]:
            code = r.get("code")
            if code is None:
                assert r["sector"] != "IGO", (e["name"], "an IGO role needs its code")
                continue
            assert isinstance(code, str) and re.fullmatch(r"[A-Z0-9]{5,12}", code), (e["name"], code)
            assert code[:3] in {"IGO", "NGO", "IMG"}, (e["name"], code)
            if r["sector"] == "IGO":
                assert code.startswith("IGO"), (e["name"], code)
            if code.startswith("IGO"):
                assert r["sector"] == "IGO" and r["country"] is None, (e["name"], r)


def test_titles_are_lower_case_text(everyone):
    for e in everyone:
        for r in e["roles"]:
            t = r.get("title")
            if t is not None:
                assert isinstance(t, str) and t == t.lower() and t.strip() == t and t, (e["name"], t)


def test_people_carry_a_title_on_every_role(people):
    for p in people:
        for r in p["roles"]:
            assert r.get("title"), (p["name"], r)


def test_dates_parse_and_every_role_starts_before_it_ends(everyone):
    latest = dt.date(2027, 12, 31)
    for e in everyone:
        for r in e["roles"]:
            lo = bounds(r["start"])[0] if r.get("start") is not None else None
            hi = bounds(r["end"])[1] if r.get("end") is not None else None
            if lo and hi:
                assert lo <= hi, (e["name"], r)
            for d in (lo, hi):
                assert d is None or dt.date(1800, 1, 1) <= d <= latest, (e["name"], r)


def test_no_two_roles_of_an_entry_begin_together_with_different_codes(everyone):
    for e in everyone:
        seen: dict[object, tuple] = {}
        for r in e["roles"]:
            start = bounds(r["start"])[0] if r.get("start") is not None else None
            who = (r["country"], r["sector"], r.get("code"))
            assert seen.setdefault(start, who) == who, (e["name"], start)


# ------------------------------------------------------------------------- the aliases ------

def test_no_alias_names_two_actors_within_the_supplement(by_alias):
    shared = {a: sorted(e["name"] for e in es) for a, es in by_alias.items() if len(es) > 1}
    assert shared == {}


def test_no_name_or_alias_repeats_one_in_the_main_files(everyone, main_entries):
    main = {key(a) for e in main_entries for a in [e["name"], *e["aliases"]]}
    clashes = {(e["name"], a) for e in everyone for a in [e["name"], *e["aliases"]] if key(a) in main}
    assert clashes == set()


def test_no_alias_is_a_common_word(by_alias):
    assert set(by_alias) & COMMON_WORDS == set()


@pytest.mark.parametrize("form", LEFT_OUT + MORE_LEFT_OUT)
def test_ambiguous_short_forms_are_left_out(by_alias, form):
    assert key(form) not in by_alias


def test_no_alias_is_a_state_name_demonym_capital_or_metonym(by_alias):
    forms = set()
    for c in yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8")):
        forms.add(key(c["name"]))
        forms.add(key(str(c.get("capital") or "")))
        for field in ("names", "former", "demonyms", "metonyms"):
            forms.update(key(x) for x in c.get(field) or [])
    assert set(by_alias) & forms == set()


def test_no_alias_is_a_sector_word(by_alias):
    """A sector word ("navy", "house of commons") must keep meaning its sector everywhere."""
    words = {key(str(w)) for spec in yaml.safe_load(SECTORS_FILE.read_text(encoding="utf-8")).values()
             for w in spec.get("words") or []}
    assert set(by_alias) & words == set()


# ------------------------------------------------------------------------- spot checks ------

@pytest.mark.parametrize("alias, day, country, sector, title", [
    ("Khurelsukh", "2022-01-01", "MNG", "GOV", "president"),
    ("Ukhnaagiin Khürelsükh", "2019-06-01", "MNG", "GOV", "prime minister"),
    ("Juri Ratas", "2019-01-01", "EST", "GOV", "prime minister"),
    ("Jüri Ratas", "2022-01-01", "EST", "LEG", None),
    ("Bobi Wine", "2018-06-01", "UGA", "LEG", None),
    ("Robert Kyagulanyi", "2023-01-01", "UGA", "OPP", None),
    ("Gitanas Nauseda", "2020-01-01", "LTU", "GOV", "president"),
    ("Nausėda", "2024-01-01", "LTU", "GOV", "president"),
    ("Nawaf al-Ahmad al-Jaber al-Sabah", "2021-06-01", "KWT", "GOV", "emir"),
    ("Boyko Borisov", "2015-06-01", "BGR", "GOV", "prime minister"),
    ("Ibrahim Mohamed Solih", "2020-01-01", "MDV", "GOV", "president"),
    ("Mahinda Rajapaksa", "2012-01-01", "LKA", "GOV", "president"),
    ("Mahinda Rajapaksa", "2021-01-01", "LKA", "GOV", "prime minister"),
    ("Gotabaya Rajapaksa", "2021-01-01", "LKA", "GOV", "president"),
    ("Hashim Thaci", "2012-01-01", "XKX", "GOV", "prime minister"),
    ("Hashim Thaçi", "2018-01-01", "XKX", "GOV", "president"),
    ("Albin Kurti", "2022-01-01", "XKX", "GOV", "prime minister"),
    ("Laurent Gbagbo", "2010-06-01", "CIV", "GOV", "president"),
    ("Alassane Ouattara", "2015-01-01", "CIV", "GOV", "president"),
    ("Agathon Rwasa", "2020-01-01", "BDI", "OPP", None),
    ("Raila Odinga", "2020-01-01", "KEN", "OPP", None),
    ("Mette Frederiksen", "2022-01-01", "DNK", "GOV", "prime minister"),
    ("Karin Keller-Sutter", "2025-06-01", "CHE", "GOV", "president of the swiss confederation"),
    ("Dan Caine", "2025-06-01", "USA", "MIL", "chairman of the joint chiefs of staff"),
    ("Fayyad al-Ruwaili", "2022-01-01", "SAU", "MIL", None),
    ("Anil Chauhan", "2023-01-01", "IND", "MIL", "chief of defence staff"),
    ("Northern Fleet", "2021-08-20", "RUS", "MIL", None),
    ("Black Sea Fleet", "2022-04-14", "RUS", "MIL", None),
    ("Seventh Fleet", "2021-08-20", "USA", "MIL", None),
    ("Labour Party", "2024-07-05", "GBR", "PTY", None),
    ("Christian Democratic Union", "2021-08-20", "DEU", "PTY", None),
    ("Morena", "2024-06-02", "MEX", "PTY", None),
    ("Mongolian People's Party", "2021-08-20", "MNG", "PTY", None),
    ("Harvard University", "2025-04-01", "USA", "EDU", None),
    ("Massachusetts Institute of Technology", "2025-04-01", "USA", "EDU", None),
    ("Bernama", "2021-08-20", "MYS", "MED", None),
    ("Bangladesh Sangbad Sangstha", "2021-08-20", "BGD", "MED", None),
    ("Novatek", "2021-08-20", "RUS", "BUS", None),
    ("Somaliland", "2024-12-12", "SOM", "SEP", None),
])
def test_spot_checks(by_alias, alias, day, country, sector, title):
    role = role_on(find(by_alias, alias), day)
    assert role is not None, (alias, day)
    assert (role["country"], role["sector"]) == (country, sector), (alias, day, role)
    if title:
        assert role.get("title") == title, (alias, day, role)


def test_imran_khan_stays_in_the_main_file_and_is_prime_minister_in_2020(all_by_alias, by_alias):
    assert key("Imran Khan") not in by_alias
    role = role_on(find(all_by_alias, "Imran Khan"), "2020-01-01")
    assert (role["country"], role["sector"]) == ("PAK", "GOV")


def test_transliterations_and_forms_without_accents_name_the_same_person(by_alias):
    for a, b in [("Khurelsukh", "Ukhnaagiin Khurelsukh"), ("Nauseda", "Gitanas Nausėda"),
                 ("Juri Ratas", "Jüri Ratas"), ("Hashim Thaci", "Hashim Thaçi"),
                 ("Boiko Borisov", "Boyko Borisov"), ("Gotabhaya Rajapaksa", "Gotabaya Rajapaksa")]:
        assert find(by_alias, a) is find(by_alias, b)


@pytest.mark.parametrize("alias, code", [
    ("KFOR", "IGONAT"), ("EULEX", "IGOEU"), ("MINUSCA", "IGOUNOPKO"), ("UNFICYP", "IGOUNOPKO"),
    ("Organisation internationale de la Francophonie", "IGOOIF"),
])
def test_bodies_without_a_home_state_carry_their_code(by_alias, alias, code):
    role = role_on(find(by_alias, alias), "2024-06-01")
    assert role["country"] is None and role["code"] == code


def test_people_out_of_office_have_no_role_after_it_ends(by_alias):
    assert role_on(find(by_alias, "Boris Nemtsov"), "2016-01-01") is None
    assert role_on(find(by_alias, "Islam Karimov"), "2017-01-01") is None


# ------------------------------------------------------------------------- the loader ------

def test_the_shipped_knowledge_base_loads_every_file(everyone):
    from whowhom.actors.kb import load_kb

    kb = load_kb()
    loaded = {n.name for n in kb.named}
    assert {e["name"] for e in everyone} <= loaded
    fleet = [e for e in kb.lookup("Northern Fleet") if e.kind == "named"]
    assert len(fleet) == 1 and fleet[0].named.role_on("2022-01-01").actor_code == "RUSMIL"
    khurelsukh = [e for e in kb.lookup("khurelsukh") if e.kind == "named"]
    assert len(khurelsukh) == 1 and khurelsukh[0].named.role_on("2022-01-01").actor_code == "MNGGOV"
    assert any(n.name == "Ukhnaagiin Khurelsukh" for n in kb.by_surname["khurelsukh"])
