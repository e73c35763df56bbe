import pytest


@pytest.fixture(scope="session")
def coder():
    from whowhom.pipeline import Coder

    return Coder()


@pytest.fixture(scope="session")
def code(coder):
    """code("sentence ...", date="2021-08-20") -> list of events."""
    from whowhom.records import Document

    def _code(text: str, date: str | None = "2021-08-20", doc_id: str = "t"):
        return coder.code(Document(id=doc_id, text=text, date=date))

    return _code


def triples(events):
    return {(e.source.code, e.code, e.target.code) for e in events}


def roots(events):
    return {(e.source.country, e.root_code, e.target.country) for e in events}
