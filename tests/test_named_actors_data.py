"""The named-actor data files: whowhom/data/actors/organizations.yaml and people.yaml.

These tests read the files as a user would (plain PyYAML), independent of the loader, and state
what the data promise: every entry is well formed, every alias means one actor, dates are real
dates in order, and the facts the coder leans on most are right on the dates that matter.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from _actor_files import ACTORS, CAMEO_SECTORS, ENTRY_KEYS, ROLE_KEYS, bounds, covers, key, load, role_on  # noqa: F401
from _actor_files import check_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown, check_aliases_are_clean_strings_listed_once_and_include_the_name, check_people_have_a_surname_found_in_their_names, check_roles_have_known_fields_a_sector_and_a_country_or_a_code  # noqa: E501

ORGS_FILE = ACTORS / "organizations.yaml"
PEOPLE_FILE = ACTORS / "people.yaml"
COUNTRIES_FILE = ACTORS / "countries.yaml"


# Aliases that two entries may share, each with the reason. Matching ignores case, so forms that
# differ only in case count as shared.
ALLOWED_SHARED_ALIASES = {
    "jem": "JeM (Jaish-e-Mohammed, Kashmir) and JEM (Justice and Equality Movement, Darfur) are "
           "both the usual short forms in their regions' news; the country in context decides.",
}

# Aliases that are also state names in countries.yaml, each with the reason.
ALLOWED_STATE_FORMS = {
    "islamic emirate of afghanistan": "the Taliban's name for their state; in news it names the "
                                      "Taliban and their government, which countries.yaml cannot "
                                      "tell apart from the state before 2021.",
}

# Words that must never be aliases: matching ignores case, so each would fire on ordinary text.
COMMON_WORDS = set("""
a an and are as at be but by can do for go had has he her him his i if in is it its let me may
my no not now of on one or our out say see she so that the their them they this to up us was we
who will with you all any new old who why how when where which what way day man men
ice raw care plan spa app rand dawn amnesty congress memorial sun mail times post guardian
independent economist observer nation hindu punch trend ban hope unity vanguard reform
government army police court party council assembly parliament state
""".split())

# Short forms the files leave out on purpose (see the notes on the entries).
LEFT_OUT = ["IS", "WHO", "LeT", "Amnesty", "Dawn", "Congress", "CCTV", "IRA", "NPA", "PTI",
            "Fars", "Saba", "Politburo", "MIT", "ICE", "RAW", "PDF", "FT", "NSA", "KIA", "PLAN"]


# ----------------------------------------------------------------------------- helpers ------

@pytest.fixture(scope="module")
def orgs() -> list[dict]:
    return load(ORGS_FILE)


@pytest.fixture(scope="module")
def people() -> list[dict]:
    return load(PEOPLE_FILE)


@pytest.fixture(scope="module")
def everyone(orgs, people) -> list[dict]:
    return orgs + people


@pytest.fixture(scope="module")
def by_alias(everyone) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in everyone:
        for a in e["aliases"]:
            out.setdefault(key(a), []).append(e)
    return out


def find(by_alias, alias: str) -> dict:
    hits = by_alias.get(key(alias), [])
    assert len(hits) == 1, f"{alias!r} names {len(hits)} entries"
    return hits[0]


# ------------------------------------------------------------------------- the files ------

@pytest.mark.parametrize("path", [ORGS_FILE, PEOPLE_FILE], ids=lambda p: p.name)
def test_each_file_opens_with_a_comment_saying_what_it_is_its_licence_and_its_age(path):
    head = path.read_text(encoding="utf-8").split("\n\n")[0]
    assert head.startswith("#")
    assert "whowhom" in head and "MIT" in head and "late 2026" in head


@pytest.mark.parametrize("path", [ORGS_FILE, PEOPLE_FILE], ids=lambda p: p.name)
def test_each_file_loads_with_safe_load_as_a_list_of_mappings(path):
    data = load(path)
    assert data and all(isinstance(e, dict) for e in data)


def test_there_are_at_least_250_organisations_and_400_people(orgs, people):
    assert len(orgs) >= 250
    assert len(people) >= 400


def test_each_file_holds_one_kind(orgs, people):
    assert {e["kind"] for e in orgs} == {"organization"}
    assert {e["kind"] for e in people} == {"person"}


def test_canonical_names_are_unique_within_a_file(orgs, people):
    for data in (orgs, people):
        names = [key(e["name"]) for e in data]
        dupes = {n for n in names if names.count(n) > 1}
        assert dupes == set()


# ------------------------------------------------------------------------- the entries ------

def test_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown(everyone):
    check_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown(everyone)


def test_aliases_are_clean_strings_listed_once_and_include_the_name(everyone):
    check_aliases_are_clean_strings_listed_once_and_include_the_name(everyone)


def test_people_have_a_surname_found_in_their_names(people, orgs):
    check_people_have_a_surname_found_in_their_names(people, orgs)


def test_roles_have_known_fields_a_sector_and_a_country_or_a_code(everyone):
    check_roles_have_known_fields_a_sector_and_a_country_or_a_code(everyone)


def test_country_codes_are_null_or_three_upper_case_letters(everyone):
    for e in everyone:
        for r in e["roles"]:
            c = r["country"]
            assert c is None or (isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c)), (e["name"], c)


def test_country_codes_are_states_listed_in_countries_yaml(everyone):
    if not COUNTRIES_FILE.exists():
        pytest.skip("countries.yaml not present")
    known = {c["code"] for c in yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8"))}
    used = {r["country"] for e in everyone for r in e["roles"] if r["country"]}
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
    """Where roles overlap the one that began last wins; a tie would leave the choice to chance."""
    for e in everyone:
        seen: dict[object, tuple] = {}
        for r in e["roles"]:
            start = bounds(r["start"])[0] if r.get("start") is not None else None
            who = (r["country"], r["sector"], r.get("code"))
            assert seen.setdefault(start, who) == who, (e["name"], start)


# ------------------------------------------------------------------------- the aliases ------

def test_no_alias_names_two_actors_except_the_listed_ones(by_alias):
    shared = {a: sorted(e["name"] for e in es) for a, es in by_alias.items() if len(es) > 1}
    unexplained = {a: names for a, names in shared.items() if a not in ALLOWED_SHARED_ALIASES}
    assert unexplained == {}
    assert set(ALLOWED_SHARED_ALIASES) <= set(shared), "allow-list entries that no longer clash"


def test_no_alias_is_a_common_word(by_alias):
    assert set(by_alias) & COMMON_WORDS == set()


@pytest.mark.parametrize("form", LEFT_OUT)
def test_ambiguous_short_forms_are_left_out(by_alias, form):
    assert key(form) not in by_alias


def test_no_alias_is_a_state_name_demonym_capital_or_metonym(by_alias):
    if not COUNTRIES_FILE.exists():
        pytest.skip("countries.yaml not present")
    forms = set()
    for c in yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8")):
        forms.add(key(c["name"]))
        forms.add(key(str(c.get("capital") or "")))
        for field in ("names", "former", "demonyms", "metonyms"):
            forms.update(key(x) for x in c.get(field) or [])
    assert set(by_alias) & forms == set(ALLOWED_STATE_FORMS)


# ------------------------------------------------------------------------- spot checks ------

@pytest.mark.parametrize("alias, day, country, sector, title", [
    ("Wang Yi", "2021-07-28", "CHN", "GOV", "foreign minister"),
    ("Wang Yi", "2023-08-01", "CHN", "GOV", None),
    ("Abdul Ghani Baradar", "2020-02-29", "AFG", "INS", None),
    ("Mullah Baradar", "2021-10-01", "AFG", "GOV", None),
    ("Taliban", "2020-02-29", "AFG", "INS", None),
    ("Taliban", "2021-09-01", "AFG", "GOV", None),
    ("Taliban", "1998-06-01", "AFG", "GOV", None),
    ("Taleban", "2010-06-01", "AFG", "INS", None),
    ("Amir Khan Muttaqi", "2020-06-01", "AFG", "INS", None),
    ("Amir Khan Muttaqi", "2021-09-10", "AFG", "GOV", "acting foreign minister"),
    ("Samir Kabulov", "2021-07-01", "RUS", "GOV", None),
    ("Zalmay Khalilzad", "2020-02-29", "USA", "GOV", "special envoy"),
    ("Vladimir Putin", "2021-06-01", "RUS", "GOV", "president"),
    ("Putin", "2010-06-01", "RUS", "GOV", "prime minister"),
    ("Sergei Lavrov", "2015-01-01", "RUS", "GOV", "foreign minister"),
    ("Xi Jinping", "2020-01-01", "CHN", "GOV", "president"),
    ("Donald Trump", "2018-01-01", "USA", "GOV", "president"),
    ("Donald Trump", "2025-06-01", "USA", "GOV", "president"),
    ("Joe Biden", "2022-01-01", "USA", "GOV", "president"),
    ("Lloyd Austin", "2022-01-01", "USA", "MIL", "defense minister"),
    ("Volodymyr Zelenskyy", "2023-01-01", "UKR", "GOV", "president"),
    ("Hayat Tahrir al-Sham", "2020-01-01", "SYR", "INS", None),
    ("HTS", "2025-03-01", "SYR", "GOV", None),
    ("Abu Mohammad al-Jolani", "2020-01-01", "SYR", "INS", None),
    ("Ahmed al-Sharaa", "2025-06-01", "SYR", "GOV", "president"),
    ("Hassan Nasrallah", "2024-09-01", "LBN", "INS", None),
    ("Hamas", "2023-10-07", "PSE", "INS", None),
    ("Houthis", "2024-01-01", "YEM", "REB", None),
    ("Rapid Support Forces", "2020-01-01", "SDN", "MIL", None),
    ("RSF", "2024-01-01", "SDN", "REB", None),
    ("Xinhua", "2021-08-20", "CHN", "MED", None),
    ("Al Jazeera", "2021-08-20", "QAT", "MED", None),
    ("Pentagon", "2021-08-20", "USA", "MIL", None),
    ("State Department", "2021-08-20", "USA", "GOV", None),
    ("CIA", "2021-08-20", "USA", "SPY", None),
    ("FBI", "2021-08-20", "USA", "COP", None),
    ("Mossad", "2021-08-20", "ISR", "SPY", None),
    ("Bundestag", "2021-08-20", "DEU", "LEG", None),
    ("Knesset", "2021-08-20", "ISR", "LEG", None),
    ("Duma", "2021-08-20", "RUS", "LEG", None),
    ("FSB", "2021-08-20", "RUS", "SPY", None),
    ("National People's Congress", "2021-08-20", "CHN", "LEG", None),
    ("IDF", "2021-08-20", "ISR", "MIL", None),
    ("People's Liberation Army", "2021-08-20", "CHN", "MIL", None),
    ("Carnegie Moscow Center", "2021-08-20", "RUS", "NGO", None),
    ("Quds Force", "2021-08-20", "IRN", "MIL", None),
    ("Wagner Group", "2021-08-20", "RUS", "MIL", None),
])
def test_spot_checks(by_alias, alias, day, country, sector, title):
    role = role_on(find(by_alias, alias), day)
    assert role is not None, (alias, day)
    assert (role["country"], role["sector"]) == (country, sector), (alias, day, role)
    if title:
        assert role.get("title") == title, (alias, day, role)


@pytest.mark.parametrize("alias, code", [
    ("United Nations", "IGOUNO"), ("U.N.", "IGOUNO"), ("NATO", "IGONAT"), ("EU", "IGOEU"),
    ("African Union", "IGOAU"), ("International Criminal Court", "IGOICC"),
    ("Amnesty International", "NGOAMN"), ("Human Rights Watch", "NGOHRW"),
    ("al-Qaeda", "IMGMUSALQ"), ("ISIS", "IMGMUSISI"), ("Daesh", "IMGMUSISI"),
])
def test_bodies_without_a_home_state_carry_their_code(by_alias, alias, code):
    role = role_on(find(by_alias, alias), "2021-08-20")
    assert role["country"] is None and role["code"] == code


def test_un_secretaries_general_are_coded_as_the_un(by_alias):
    for alias, day in [("Kofi Annan", "2003-01-01"), ("Ban Ki-moon", "2012-01-01"),
                       ("António Guterres", "2021-08-20")]:
        role = role_on(find(by_alias, alias), day)
        assert (role["sector"], role["code"], role["title"]) == ("IGO", "IGOUNO", "secretary-general")


def test_the_kabulov_entry_carries_both_spellings(by_alias):
    assert find(by_alias, "Samir Kabulov") is find(by_alias, "Zamir Kabulov")


def test_people_out_of_office_have_no_role_after_it_ends(by_alias):
    assert role_on(find(by_alias, "Hassan Nasrallah"), "2025-01-01") is None
    assert role_on(find(by_alias, "Osama bin Laden"), "2012-01-01") is None
