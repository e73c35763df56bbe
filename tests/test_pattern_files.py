"""A user's own pattern file: what it may say, and the error that names what is wrong."""
import pytest

from whowhom.events.ontology import default_codebook
from whowhom.events.patterns import PatternFileError, load_patterns
from whowhom.records import Document

CODES = {c.code for c in default_codebook()}


def write(tmp_path, text):
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_users_pattern_is_loaded_beside_the_shipped_ones(tmp_path):
    path = write(tmp_path, '- code: "042"\n  verb: hobnob\n  target: [prep:with]\n')
    pats = load_patterns([path], codes=CODES)
    assert [(p.code, p.where) for p in pats.candidates("verb", "hobnob")] == [("042", f"{path}#1")]


def test_a_phrasal_verb_is_written_whole(tmp_path):
    path = write(tmp_path, '- code: "082"\n  verb: call off\n  object: [strike]\n')
    (pat,) = [p for p in load_patterns([path], codes=CODES).candidates("verb", "call") if p.where.startswith(str(path))]
    assert (pat.lemma, pat.particle) == ("call", "off")


@pytest.mark.parametrize("text, message", [
    ('- code: "042"\n  verb: call\n  particle: off\n', r"#1: unknown field\(s\) particle; .*'verb: call off'"),
    ('- code: "999"\n  verb: call\n', r"#1: '999' is not a CAMEO code"),
    ('- code: "042"\n  verb: call\n  noun: call\n', r"#1: give exactly one of 'verb' or 'noun'"),
    ('- code: "042"\n  verb: visit\n  target: [object]\n', r"#1: unknown target slot 'object'"),
    ('- code: "042"\n  verb: [visit\n', r"line \d+ is not valid YAML|is not valid YAML"),
    ('code: "042"\nverb: visit\n', r"expected a list of patterns"),
    ('- code: "0841"\n  verb: free\n  object: ["@persons"]\n', r"#1: unknown word class '@persons'"),
])
def test_a_malformed_pattern_file_is_refused_with_the_file_and_entry(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(PatternFileError, match=message) as err:
        load_patterns([path], codes=CODES)
    assert str(path) in str(err.value)


def test_the_coder_codes_with_a_users_pattern(tmp_path):
    from whowhom.pipeline import Coder

    path = write(tmp_path, '- code: "042"\n  verb: hobnob\n  target: [prep:with]\n')
    coder = Coder(patterns_files=[path])
    events = coder.code(Document(id="d", text="The Indian prime minister hobnobbed with Japanese officials.", date="2024-01-01"))
    assert [(e.source.country, e.code, e.target.country) for e in events] == [("IND", "042", "JPN")]
    assert str(path) in events[0].rule
