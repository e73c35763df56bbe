"""Finding knowledge-base phrases in tokenised text: longest match first, left to right."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokenizer import Tokenizer

from whowhom.actors.kb import Entry, KnowledgeBase


# Transliterations of Arabic given names that news spells every way: "Mohammed Hussein Roble"
# is the dictionary's "Mohamed Hussein Roble". Compared as one form on both sides.
_SAME_NAME = {w: "muhammad" for w in ("mohammed", "mohammad", "muhammed", "mohamad", "mohamed",
                                      "muhammad", "mohammod")}
_SAME_NAME.update({w: "abdul" for w in ("abdel", "abdul", "abdal")})


def norm(word: str) -> str:
    w = word.replace("’", "'").replace("‘", "'").lower()
    return _SAME_NAME.get(w, w)


@dataclass(frozen=True)
class Mention:
    start: int  # token indices, end exclusive
    end: int
    entries: tuple[Entry, ...]
    text: str

    def covers(self, i: int) -> bool:
        return self.start <= i < self.end

    def kinds(self) -> set[str]:
        return {e.kind for e in self.entries}


class MentionIndex:
    """KB phrases keyed by the token sequences spaCy's tokenizer makes of them."""

    def __init__(self, kb: KnowledgeBase, tokenizer: Tokenizer):
        self.kb = kb
        self.table: dict[tuple[str, ...], tuple[Entry, ...]] = {}
        # Tokenise phrases as written, not lower-cased: the tokenizer keeps "U.S." whole only
        # in its own case, and followed by more text (at the very end it splits off the dot).
        written: dict[str, list[Entry]] = {}
        for entries in kb.phrases.values():
            for e in entries:
                written.setdefault(e.phrase, []).append(e)
        phrases = list(written)
        for phrase, doc in zip(phrases, tokenizer.pipe(p + " said" for p in phrases)):
            key = tuple(norm(t.text) for t in doc[:-1])
            if key:
                have = self.table.get(key, ())
                self.table[key] = tuple(have) + tuple(e for e in written[phrase] if e not in have)
        self.max_len = max((len(k) for k in self.table), default=1)
        self.first_words = {k[0] for k in self.table}

    def find(self, words: Sequence[str], protected: Sequence[bool] | None = None) -> list[Mention]:
        """Mentions in a token sequence; lower-case common words only match when capitalised
        in the text or when the phrase is a sector word (which is lower-case by nature)."""
        lowered = [norm(w) for w in words]
        out: list[Mention] = []
        i = 0
        n = len(words)
        while i < n:
            if lowered[i] not in self.first_words:
                i += 1
                continue
            found = None
            for length in range(min(self.max_len, n - i), 0, -1):
                key = tuple(lowered[i:i + length])
                entries = self.table.get(key)
                if entries:
                    entries = tuple(e for e in entries if _case_ok(e, words[i:i + length]))
                    if entries:
                        found = Mention(i, i + length, entries, " ".join(words[i:i + length]))
                        break
            if found:
                out.append(found)
                i = found.end
            else:
                i += 1
        return out


def _case_ok(entry: Entry, words: Sequence[str]) -> bool:
    """Names need a capital letter somewhere in the text ("Chad" vs "chad"); sector words do not."""
    if entry.kind == "sector":
        return True
    return any(ch.isupper() for w in words for ch in w)  # "Israel", "iSrael", "U.S."
