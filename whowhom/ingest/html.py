"""Main text, title, date and site name out of an HTML page (trafilatura, then a fallback)."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    text: str
    title: str | None
    date: str | None
    url: str | None
    sitename: str | None


def extract_html(html: str, url: str | None = None) -> Page | None:
    import trafilatura

    result = trafilatura.bare_extraction(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True,
        with_metadata=True)
    if result is None or not (getattr(result, "text", None) or "").strip():
        return _fallback(html, url)
    date = getattr(result, "date", None)
    return Page(text=result.text, title=getattr(result, "title", None),
                date=date[:10] if date else None, url=getattr(result, "url", None) or url,
                sitename=getattr(result, "sitename", None))


def _fallback(html: str, url: str | None) -> Page | None:
    """Paragraph text when trafilatura finds no main content (very short or odd pages)."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    for bad in tree.xpath("//script|//style|//nav|//footer|//header|//form|//aside"):
        bad.drop_tree()
    paras = [re.sub(r"\s+", " ", p.text_content()).strip() for p in tree.xpath("//p")]
    paras = [p for p in paras if len(p) > 40]
    if not paras:
        return None
    title = tree.findtext(".//title")
    return Page(text="\n\n".join(paras), title=title.strip() if title else None, date=None,
                url=url, sitename=None)
