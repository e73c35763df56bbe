"""The CAMEO event codebook, read from `whowhom/data/cameo.tsv`.

Each row gives a CAMEO code (a string with its leading zero: "01", "043", "1823"), its name,
Goldstein score, quad class and the PLOVER type and mode it corresponds to. The file format is
described in docs/data-formats.md; this module only reads and checks it.

    >>> book = Codebook.load()
    >>> book.get("043").name
    'Host a visit'
    >>> book.root("1823").name
    'Assault'
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator

COLUMNS = ("code", "name", "goldstein", "quad_class", "plover_type", "plover_mode", "description")

PLOVER_TYPES = frozenset(
    {
        "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
        "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
    }
)

QUAD_CLASSES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


@dataclass(frozen=True)
class CameoCode:
    """One row of the codebook."""

    code: str
    name: str
    goldstein: float
    quad_class: int
    plover_type: str
    plover_mode: str | None
    description: str

    @property
    def root(self) -> str:
        """The two-digit root code ("18" for "1823")."""
        return self.code[:2]

    @property
    def is_root(self) -> bool:
        return len(self.code) == 2


class Codebook:
    """All CAMEO codes, looked up by their string code."""

    def __init__(self, codes: list[CameoCode] | tuple[CameoCode, ...]):
        self._codes: dict[str, CameoCode] = {c.code: c for c in codes}

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Codebook":
        """Read a codebook file; by default the one packaged with whowhom.

        Raises ValueError naming the file and line for any malformed row.
        """
        if path is None:
            try:
                resource = resources.files("whowhom.data").joinpath("cameo.tsv")
            except ModuleNotFoundError:  # whowhom/data without an __init__.py
                resource = Path(__file__).resolve().parent.parent / "data" / "cameo.tsv"
            text, source = resource.read_text(encoding="utf-8"), str(resource)
        else:
            text, source = Path(path).read_text(encoding="utf-8"), str(path)
        return cls(_parse(text, source))

    def get(self, code: str) -> CameoCode:
        """The row for `code`; KeyError (with a hint) when there is none."""
        key = code.strip() if isinstance(code, str) else code
        try:
            return self._codes[key]
        except (KeyError, TypeError):
            raise KeyError(self._unknown_message(code)) from None

    def root(self, code: str) -> CameoCode:
        """The root (two-digit) row of `code`, which must itself be a known code."""
        return self.get(self.get(code).root)

    def children(self, code: str) -> list[CameoCode]:
        """The direct children of `code`, in code order: "01" -> 010..019, "021" -> 0211..0214."""
        parent = self.get(code).code
        return sorted(
            (c for c in self._codes.values()
             if len(c.code) == len(parent) + 1 and c.code.startswith(parent)),
            key=lambda c: c.code,
        )

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.strip() in self._codes

    def __iter__(self) -> Iterator[CameoCode]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"<Codebook with {len(self)} CAMEO codes>"

    def _unknown_message(self, code: object) -> str:
        msg = f"unknown CAMEO code {code!r}"
        if not isinstance(code, str):
            return msg + "; codes are strings with their leading zero, e.g. '043' or '1823'"
        stripped = code.strip()
        if stripped.isdigit() and "0" + stripped in self._codes:
            return msg + f"; did you mean '0{stripped}'? (codes keep their leading zero)"
        for n in (3, 2):
            if len(stripped) > n and stripped[:n] in self._codes:
                parent = self._codes[stripped[:n]]
                return msg + f"; the nearest known code is {parent.code} ({parent.name})"
        return msg + "; CAMEO codes have 2 to 4 digits, roots 01 to 20"


def _parse(text: str, source: str) -> list[CameoCode]:
    rows: list[CameoCode] = []
    seen: dict[str, int] = {}
    header_seen = False
    lineno = 0

    def fail(why: str) -> ValueError:
        return ValueError(f"{source}, line {lineno}: {why}")

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            if tuple(f.strip() for f in fields) != COLUMNS:
                raise fail(f"expected the header line {' '.join(COLUMNS)!r} (tab-separated)")
            header_seen = True
            continue
        if len(fields) != len(COLUMNS):
            raise fail(f"expected {len(COLUMNS)} tab-separated fields, found {len(fields)}")
        code, name, goldstein, quad, ptype, mode, description = (f.strip() for f in fields)

        if not (code.isdigit() and 2 <= len(code) <= 4 and 1 <= int(code[:2]) <= 20):
            raise fail(f"bad code {code!r}: 2 to 4 digits with the root 01..20")
        if code in seen:
            raise fail(f"code {code} appears twice (first on line {seen[code]})")
        if len(code) > 2 and code[:2] not in seen:
            raise fail(f"code {code} comes before (or without) its root {code[:2]}")
        if not name:
            raise fail(f"code {code} has no name")
        try:
            score = float(goldstein)
        except ValueError:
            raise fail(f"goldstein {goldstein!r} is not a number") from None
        if not -10.0 <= score <= 10.0:
            raise fail(f"goldstein {score} is outside -10..10")
        if quad not in {"1", "2", "3", "4"}:
            raise fail(f"quad_class {quad!r} is not 1, 2, 3 or 4")
        if ptype not in PLOVER_TYPES:
            raise fail(f"plover_type {ptype!r} is not one of {', '.join(sorted(PLOVER_TYPES))}")

        seen[code] = lineno
        rows.append(CameoCode(code, name, score, int(quad), ptype, mode or None, description))
    if not header_seen:
        raise ValueError(f"{source}: no header line; expected {' '.join(COLUMNS)!r}")
    return rows


@functools.lru_cache(maxsize=1)
def default_codebook() -> Codebook:
    """The packaged codebook, read once."""
    return Codebook.load()
