"""The checks every ordered rule file (violence.yaml, topics.yaml) gets: a `rules:` list whose
entries use only known fields and have the required ones, errors naming file and rule."""
from __future__ import annotations


def rule_items(spec: dict | None, where: str, allowed: set[str], required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The file's rules, numbered from 1, after checking them."""
    items = (spec or {}).get("rules")
    if not isinstance(items, list):
        raise ValueError(f"{where}: expected a top-level 'rules:' list")
    out = []
    for n, item in enumerate(items, 1):
        unknown = set(item) - allowed
        if unknown:
            raise ValueError(f"{where}: rule {n}: unknown field(s) {', '.join(sorted(unknown))}; "
                             f"allowed: {', '.join(sorted(allowed))}")
        missing = [k for k in required if not item.get(k)]
        if missing:
            raise ValueError(f"{where}: rule {n}: {', '.join(missing)} required")
        out.append((n, item))
    return out
