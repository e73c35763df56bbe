"""Every trigger pattern ships with an example sentence; the coder must code it.

A pattern whose example does not yield its code is either a wrong pattern or a parse the
engine cannot follow; the share of such patterns is held to a floor so that regressions show.
"""
from collections import defaultdict

from whowhom.records import Document

FLOOR_ROOT = 0.95  # share of examples that yield an event with the pattern's root code (96.4% now)


def test_pattern_examples_yield_their_codes(coder):
    examples = [p for p in coder.patterns if p.example]
    assert len(examples) >= 300, "every root code needs patterns with examples"
    docs = [Document(id=f"ex{i}", text=p.example, date="2021-08-20") for i, p in enumerate(examples)]
    misses = []
    exact = 0
    for p, (_, events) in zip(examples, coder.code_many(docs)):
        codes = {e.code for e in events}
        if p.code in codes:
            exact += 1
        if not any(c[:2] == p.code[:2] for c in codes):
            misses.append(f"{p.where}: {p.example!r} -> {sorted(codes)}")
    share = 1 - len(misses) / len(examples)
    by_file = defaultdict(int)
    for m in misses:
        by_file[m.split("#")[0]] += 1
    assert share >= FLOOR_ROOT, (f"{share:.1%} of {len(examples)} pattern examples yield their root "
                                 f"(exact code {exact / len(examples):.1%}); misses by file {dict(by_file)}:\n"
                                 + "\n".join(misses[:60]))


def test_every_root_code_has_patterns(coder):
    roots = {p.code[:2] for p in coder.patterns}
    assert roots >= {f"{i:02d}" for i in range(1, 21)}
