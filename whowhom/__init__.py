"""whowhom: who did what to whom, when and where — political event data from news text."""
from whowhom.records import CODER_VERSION, Actor, Document, Event, Location, Plover, Trigger

__version__ = "0.1.0"

__all__ = ["__version__", "CODER_VERSION", "Actor", "Document", "Event", "Location", "Plover", "Trigger",
           "Coder", "Store"]


def __getattr__(name: str):
    # Heavy imports (spaCy, DuckDB) only when asked for: `import whowhom` stays fast.
    if name == "Coder":
        from whowhom.pipeline import Coder

        return Coder
    if name == "Store":
        from whowhom.store import Store

        return Store
    raise AttributeError(name)
