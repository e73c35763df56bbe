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


def test_a_violence_rule_with_an_unknown_field_is_refused_naming_the_rule():
    from whowhom.events.violence import parse_rules
    with pytest.raises(ValueError, match=r"my.yaml: rule 1: unknown field\(s\) sorce_sectors"):
        parse_rules({"rules": [{"from_codes": ["190"], "to_code": "180", "sorce_sectors": ["INS"]}]}, "my.yaml")
    with pytest.raises(ValueError, match=r"weapons: unknown field\(s\) code"):
        parse_rules({"rules": [], "weapons": {"code": {}}}, "my.yaml")


def test_the_shipped_violence_rules_apply_in_order():
    from whowhom.events.violence import load_violence_rules
    from whowhom.records import Actor
    rules = load_violence_rules()
    police = Actor(text="police", code="KENCOP", country="KEN", sector="COP")
    crowd = Actor(text="protesters", code="KENCVL", country="KEN", sector="CVL")
    assert rules.code_for("190", police, crowd, frozenset({"police"}), frozenset({"protesters"})) == ("175", "repression")
    assert rules.code_for("190", crowd, police, frozenset({"protesters"}), frozenset({"police"})) == ("145", "riot")
    assert rules.code_for("190", police, police) == ("190", None)
    assert rules.weapon_code("190", ["roadside bomb", "bomb"]) == ("1833", "roadside bomb")
    assert rules.weapon_code("0841", ["bomb"]) is None


def test_a_topic_rule_with_an_unknown_field_or_a_bare_on_is_refused_naming_the_rule():
    from whowhom.events.topics import parse_rules
    rule = {"from_codes": ["112"], "to_code": "1121", "preps": ["of"], "words": ["fraud"]}
    with pytest.raises(ValueError, match=r"my.yaml: rule 1: unknown field\(s\) word"):
        parse_rules({"rules": [{**rule, "word": ["bribe"]}]}, "my.yaml")
    with pytest.raises(ValueError, match=r"my.yaml: rule 1: preps must be words; quote \"on\""):
        parse_rules({"rules": [{**rule, "preps": [True]}]}, "my.yaml")
    with pytest.raises(ValueError, match=r"my.yaml: rule 1: words required"):
        parse_rules({"rules": [{**rule, "words": []}]}, "my.yaml")


def test_the_shipped_topic_rules_put_the_specific_charge_first():
    from whowhom.events.topics import load_topic_rules
    names = [r.name for r in load_topic_rules().rules]
    assert names.index("charge: war crimes") < names.index("charge: crime")
    assert all(r.to_code.startswith(tuple(c[:2] for c in r.from_codes)) or r.name == "peacekeeping"
               for r in load_topic_rules().rules)


def test_an_edited_modality_file_with_a_typo_names_the_file_and_the_key():
    from importlib import resources

    import yaml

    from whowhom.events.extract import parse_modality

    data = yaml.safe_load(resources.files("whowhom.data").joinpath("modality.yaml").read_text(encoding="utf-8"))
    assert parse_modality(dict(data), "modality.yaml").speech  # the shipped file is complete
    data["reaction_root"] = data.pop("reaction_roots")
    with pytest.raises(ValueError, match=r"modality.yaml: missing keys: reaction_roots; unknown keys: reaction_root"):
        parse_modality(data, "modality.yaml")
