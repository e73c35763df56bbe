"""The actor knowledge base: states, sectors, organisations and people, loaded from data files.

Entries come from `whowhom/data/actors/*.yaml` (see docs/data-formats.md) and, optionally, a
user's own file that adds or overrides entries. Everything is indexed by lower-case token
sequences so that a sentence can be matched against it in one pass.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

SECTORS_WITH_GOV_METONYMY = "GOV"


class ActorFileError(ValueError):
    """A malformed actor file; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class Role:
    country: str | None
    sector: str | None
    code: str | None = None  # full CAMEO code where country+sector does not make it (IGOs)
    title: str | None = None
    start: str | None = None  # ISO date, "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    end: str | None = None

    def covers(self, date: str | None) -> bool:
        """Whether the role overlaps the date, which may be a whole month or year ("1996")."""
        if date is None:
            return True
        lo, hi = _lower(date), _upper(date)
        return (self.start is None or _lower(self.start) <= hi) and (self.end is None or lo <= _upper(self.end))

    @property
    def actor_code(self) -> str:
        if self.code:
            return self.code
        return f"{self.country or ''}{self.sector or ''}" or "---"


@dataclass(frozen=True)
class Named:
    """A person or an organisation with date-bounded roles."""

    name: str
    kind: str  # "person" | "organization"
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]
    surname: str | None = None
    plural: bool = False  # "the Taliban ... they"

    def role_on(self, date: str | None, prefer: dict[str, str | None] | None = None) -> Role | None:
        """The role in force on `date`; without a date, the one agreeing with `prefer`, else the latest."""
        if not self.roles:
            return None
        if date is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
            date = None  # not an ISO date: as good as none
        if date:
            current = [r for r in self.roles if r.covers(date)]
            if current:
                return _best(current, prefer)
            # Outside every known role: the nearest one is still the best guess.
            return min(self.roles, key=lambda r: _distance(r, date))
        return _best(list(self.roles), prefer)


def _best(roles: list[Role], prefer: dict[str, str | None] | None) -> Role:
    if prefer:
        agreeing = [r for r in roles if all(getattr(r, k) == v for k, v in prefer.items() if v)]
        if agreeing:
            roles = agreeing
    # A national role before an international one (Tony Blair is British before he is a UN
    # envoy), then the latest.
    return max(roles, key=lambda r: (r.country is not None, _lower(r.start or "0000")))


def _distance(role: Role, date: str) -> int:  # in years, for a date outside every role
    year = int(date[:4])
    lo = int((role.start or "0000")[:4])
    hi = int((role.end or "9999")[:4])
    return 0 if lo <= year <= hi else min(abs(year - lo), abs(year - hi))


def _lower(d: str) -> str:
    return d if len(d) == 10 else (d + "-01-01")[:10] if len(d) == 4 else d + "-01"


def _upper(d: str) -> str:
    return d if len(d) == 10 else d + "-12-31" if len(d) == 4 else d + "-31"


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    capital: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Entry:
    """What one phrase can mean."""

    kind: str  # "country" | "demonym" | "metonym" | "sector" | "named"
    country: str | None = None
    sector: str | None = None
    named: Named | None = None
    phrase: str = ""


@dataclass
class KnowledgeBase:
    countries: dict[str, Country] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)  # code -> label
    sector_priority: dict[str, int] = field(default_factory=dict)
    phrases: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    named: list[Named] = field(default_factory=list)
    by_surname: dict[str, list[Named]] = field(default_factory=lambda: defaultdict(list))
    titles: set[str] = field(default_factory=set)

    # -- building -------------------------------------------------------------------------
    def add_phrase(self, phrase: str, entry: Entry) -> None:
        key = phrase_key(phrase)
        if not key:
            return
        bucket = self.phrases[key]
        if entry not in bucket:
            bucket.append(entry)

    def add_named(self, named: Named, override: bool = False) -> None:
        if override:
            self.remove_named(named.name)
        self.named.append(named)
        for alias in {named.name, *named.aliases}:
            self.add_phrase(alias, Entry("named", named=named, phrase=alias))
        if named.kind == "person" and named.surname:
            surname = named.surname.lower()
            self.by_surname[surname].append(named)
            # "President Bashir" is Omar al-Bashir: news drops the Arabic article as often as not.
            bare = re.sub(r"^(?:al|el|ad|an|ar|as|ash|at|az)-", "", surname)
            if bare != surname:
                self.by_surname[bare].append(named)

    def remove_named(self, name: str) -> None:
        old = [n for n in self.named if n.name.lower() == name.lower()]
        if not old:
            return
        self.named = [n for n in self.named if n not in old]
        for key in list(self.phrases):
            self.phrases[key] = [e for e in self.phrases[key] if e.named not in old]
        for key in list(self.by_surname):
            self.by_surname[key] = [n for n in self.by_surname[key] if n not in old]

    # -- lookup ---------------------------------------------------------------------------
    def country_name(self, code: str | None) -> str | None:
        """The country's name for an ISO code, or None for a code the dictionary lacks."""
        return self.countries[code].name if code in self.countries else None

    def lookup(self, phrase: str) -> list[Entry]:
        return list(self.phrases.get(phrase_key(phrase), []))


def phrase_key(phrase: str) -> str:
    """Lower case, curly apostrophes and white space folded: how phrases are compared."""
    return " ".join(phrase.replace("’", "'").lower().split())


# ---------------------------------------------------------------------------- loading ------

def named_actor_files() -> list[str]:
    """The shipped files of named actors: the main ones first, then every supplement
    (`organizations_*.yaml`, `people_*.yaml`) in name order, so a new file is picked up
    without touching code."""
    folder = resources.files("whowhom.data").joinpath("actors")
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".yaml"))
    main = ["organizations.yaml", "people.yaml"]
    extra = [n for n in names if n.startswith(("organizations_", "people_"))]
    return main + extra


def _data_file(name: str):
    return resources.files("whowhom.data").joinpath("actors").joinpath(name)


def _read_yaml(source: Any, label: str) -> Any:
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ActorFileError(f"{label}: cannot read ({exc})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ActorFileError(f"{label}:{where} is not valid YAML: {getattr(exc, 'problem', exc)}") from exc


def load_kb(user_file: str | Path | None = None) -> KnowledgeBase:
    """The shipped knowledge base, plus a user's file of extra or overriding actors."""
    kb = _load_shipped()
    if user_file is None:
        return kb
    kb = _copy(kb)
    path = Path(user_file)
    if not path.exists():
        raise ActorFileError(f"{path}: no such actor file")
    data = _read_yaml(path, str(path))
    _load_user(kb, data, str(path))
    return kb


def _copy(kb: KnowledgeBase) -> KnowledgeBase:
    new = KnowledgeBase(countries=dict(kb.countries), sectors=dict(kb.sectors),
                        sector_priority=dict(kb.sector_priority), named=list(kb.named),
                        titles=set(kb.titles))
    for k, v in kb.phrases.items():
        new.phrases[k] = list(v)
    for k, v in kb.by_surname.items():
        new.by_surname[k] = list(v)
    return new


@lru_cache(maxsize=1)
def _load_shipped() -> KnowledgeBase:
    kb = KnowledgeBase()
    countries = _read_yaml(_data_file("countries.yaml"), "countries.yaml") or []
    for c in countries:
        _add_country(kb, c, "countries.yaml")
    sectors = _read_yaml(_data_file("sectors.yaml"), "sectors.yaml") or {}
    for code, spec in sectors.items():
        kb.sectors[code] = spec.get("label", code)
        kb.sector_priority[code] = int(spec.get("priority", 0) or 0)
        for word in spec.get("words", []) or []:
            kb.add_phrase(str(word), Entry("sector", sector=code, phrase=str(word)))
            kb.titles.add(str(word).lower())
    for fname in named_actor_files():
        for i, item in enumerate(_read_yaml(_data_file(fname), fname) or []):
            kb.add_named(_parse_named(item, f"{fname} entry {i + 1}"))
    return kb


def _add_country(kb: KnowledgeBase, c: dict[str, Any], label: str) -> None:
    try:
        code = c["code"]
        country = Country(code=code, name=c["name"], capital=c.get("capital"),
                          lat=c.get("lat"), lon=c.get("lon"))
    except (KeyError, TypeError) as exc:
        raise ActorFileError(f"{label}: country entry {c!r} lacks {exc}") from exc
    kb.countries[code] = country
    for name in [c["name"], *(c.get("names") or []), *(c.get("former") or [])]:
        kb.add_phrase(str(name), Entry("country", country=code, phrase=str(name)))
    for dem in c.get("demonyms") or []:
        kb.add_phrase(str(dem), Entry("demonym", country=code, phrase=str(dem)))
    for met in c.get("metonyms") or []:
        kb.add_phrase(str(met), Entry("metonym", country=code, sector="GOV", phrase=str(met)))


def _parse_named(item: Any, label: str) -> Named:
    if not isinstance(item, dict) or "name" not in item:
        raise ActorFileError(f"{label}: each actor needs at least 'name' and 'roles'")
    roles = []
    for r in item.get("roles") or []:
        if not isinstance(r, dict):
            raise ActorFileError(f"{label} ({item['name']}): a role must be a mapping like "
                                 "{country: AFG, sector: GOV, start: 2021-09-07}")
        roles.append(Role(country=r.get("country"), sector=r.get("sector"), code=r.get("code"),
                          title=r.get("title"), start=_date_str(r.get("start"), label),
                          end=_date_str(r.get("end"), label)))
    if not roles and item.get("country"):
        roles.append(Role(country=item.get("country"), sector=item.get("sector"), code=item.get("code")))
    if not roles:
        raise ActorFileError(f"{label} ({item['name']}): no roles; give at least one "
                             "{country: ..., sector: ...}")
    aliases = tuple(str(a) for a in (item.get("aliases") or []))
    return Named(name=str(item["name"]), kind=str(item.get("kind", "person")), aliases=aliases,
                 roles=tuple(roles), surname=item.get("surname"), plural=bool(item.get("plural", False)))


def _date_str(value: Any, label: str) -> str | None:
    if value is None:
        return None
    s = str(value)
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", s):
        raise ActorFileError(f"{label}: date {s!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return s


def _load_user(kb: KnowledgeBase, data: Any, path: str) -> None:
    """A user file: a list of named actors, or a mapping with `actors:` and `countries:`."""
    if data is None:
        return
    if isinstance(data, dict):
        countries, actors = data.get("countries") or [], data.get("actors") or []
    elif isinstance(data, list):
        countries, actors = [], data
    else:
        raise ActorFileError(f"{path}: expected a list of actors (see docs/actors.md)")
    lines = _entry_lines(path)
    for i, c in enumerate(countries):
        _add_country(kb, c, f"{path}: country {i + 1}")
    for i, item in enumerate(actors):
        where = f"{path}: line {lines[i]}" if i < len(lines) else f"{path}: actor {i + 1}"
        kb.add_named(_parse_named(item, where), override=True)


def _entry_lines(path: str) -> list[int]:
    """Line numbers of the top-level list items of actors, to name them in errors."""
    out = []
    try:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if re.match(r"^\s{0,2}- ", line) and "name" in line:
                out.append(n)
    except OSError:
        pass
    return out
