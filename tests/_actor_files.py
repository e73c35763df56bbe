"""Reading the named-actor files as a user would (plain PyYAML), shared by their tests."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

ACTORS = Path(__file__).resolve().parents[1] / "whowhom" / "data" / "actors"

# CAMEO's sector codes, as the files may use them.
CAMEO_SECTORS = {
    "GOV", "MIL", "COP", "JUD", "LEG", "ELI", "OPP", "REB", "INS", "SEP", "MED", "BUS", "CVL",
    "REL", "EDU", "NGO", "IGO", "REF", "SPY", "LAB", "AGR", "HLH", "CRM", "UAF", "ENV", "PTY",
    "MOD", "RAD",
}
ENTRY_KEYS = {"name", "kind", "aliases", "surname", "roles", "note", "plural"}
ROLE_KEYS = {"country", "sector", "code", "title", "start", "end"}


def key(phrase: str) -> str:
    """How phrases are compared: case, curly apostrophes and spacing do not matter."""
    return " ".join(phrase.replace("\u2019", "'").lower().split())


def bounds(value) -> tuple[dt.date, dt.date]:
    """The first and last day a YAML date value (YYYY-MM-DD, YYYY-MM or YYYY) can mean."""
    if isinstance(value, dt.date):
        return value, value
    s = str(value)
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", s)
    assert m, f"not a date: {value!r}"
    y, mo, d = int(m[1]), m[2], m[3]
    if d:
        day = dt.date(y, int(mo), int(d))
        return day, day
    if mo:
        first = dt.date(y, int(mo), 1)
        nxt = dt.date(y + (int(mo) == 12), int(mo) % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def covers(role: dict, day: dt.date) -> bool:
    lo = bounds(role["start"])[0] if role.get("start") is not None else dt.date.min
    hi = bounds(role["end"])[1] if role.get("end") is not None else dt.date.max
    return lo <= day <= hi


def role_on(entry: dict, day: str) -> dict | None:
    """The role in force on a day; where several are, the one that began last (as the loader)."""
    d = dt.date.fromisoformat(day)
    current = [r for r in entry["roles"] if covers(r, d)]
    if not current:
        return None
    return max(current, key=lambda r: bounds(r["start"])[0] if r.get("start") is not None else dt.date.min)


def load(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list), path.name
    return data


# ----------------------------------------------- checks both files' tests apply ------

def check_every_entry_has_name_kind_aliases_and_roles_and_nothing_unknown(everyone) -> None:
    for e in everyone:
        assert set(e) <= ENTRY_KEYS, (e.get("name"), set(e) - ENTRY_KEYS)
        assert isinstance(e.get("name"), str) and e["name"].strip() == e["name"] and e["name"], e
        assert e.get("kind") in {"person", "organization"}, e["name"]
        assert isinstance(e.get("aliases"), list) and e["aliases"], e["name"]
        assert isinstance(e.get("roles"), list) and e["roles"], e["name"]
        if "plural" in e:
            assert isinstance(e["plural"], bool), e["name"]
        if "note" in e:
            assert isinstance(e["note"], str) and e["note"].strip(), e["name"]


def check_aliases_are_clean_strings_listed_once_and_include_the_name(everyone) -> None:
    for e in everyone:
        keys = []
        for a in e["aliases"]:
            assert isinstance(a, str) and a == a.strip() and len(a) >= 2, (e["name"], a)
            keys.append(key(a))
        assert len(keys) == len(set(keys)), (e["name"], keys)
        assert key(e["name"]) in keys, e["name"]


def check_people_have_a_surname_found_in_their_names(people, orgs) -> None:
    for p in people:
        s = p.get("surname")
        assert isinstance(s, str) and s.strip() == s and s, p["name"]
        assert any(key(s) in key(a) for a in p["aliases"]), (p["name"], s)
    assert not any("surname" in o for o in orgs)


def check_roles_have_known_fields_a_sector_and_a_country_or_a_code(everyone) -> None:
    for e in everyone:
        for r in e["roles"]:
            assert isinstance(r, dict), e["name"]
            assert set(r) <= ROLE_KEYS, (e["name"], set(r) - ROLE_KEYS)
            assert "country" in r and "sector" in r, (e["name"], r)
            assert r["country"] is not None or r.get("code"), (e["name"], r)
