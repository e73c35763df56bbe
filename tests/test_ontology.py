"""Specification of the CAMEO codebook (whowhom/data/cameo.tsv) and its loader."""
from pathlib import Path

import pytest

from whowhom.events.ontology import (
    COLUMNS,
    PLOVER_TYPES,
    CameoCode,
    Codebook,
    default_codebook,
)

ROOTS = [f"{i:02d}" for i in range(1, 21)]
DATA_FILE = Path(__file__).resolve().parent.parent / "whowhom" / "data" / "cameo.tsv"


@pytest.fixture(scope="module")
def book() -> Codebook:
    return Codebook.load()


def expected_quad(root: str) -> int:
    r = int(root)
    return 1 if r <= 5 else 2 if r <= 8 else 3 if r <= 13 else 4


# --- the data file -------------------------------------------------------------------------

def test_file_starts_with_a_comment_naming_source_and_licence():
    head = DATA_FILE.read_text(encoding="utf-8").split("\ncode\t", 1)[0]
    assert head.startswith("#")
    for words in ("CAMEO", "whowhom", "MIT", "Goldstein", "PLOVER"):
        assert words in head


def test_the_codebook_is_complete(book):
    assert len(book) >= 280


def test_every_root_01_to_20_is_present(book):
    for root in ROOTS:
        assert root in book
        assert book.get(root).is_root


def test_every_code_has_its_root_and_its_parent(book):
    for c in book:
        assert c.root in book, c.code
        if len(c.code) == 4:
            assert c.code[:3] in book, c.code


def test_codes_are_two_to_four_digit_strings(book):
    for c in book:
        assert c.code.isdigit() and 2 <= len(c.code) <= 4, c.code


def test_goldstein_is_on_the_scale(book):
    for c in book:
        assert -10.0 <= c.goldstein <= 10.0, c.code


def test_quad_class_follows_the_root(book):
    for c in book:
        assert c.quad_class == expected_quad(c.root), c.code


def test_plover_types_are_the_sixteen(book):
    assert len(PLOVER_TYPES) == 16
    for c in book:
        assert c.plover_type in PLOVER_TYPES, c.code


def test_modes_are_lower_case_words_or_absent(book):
    for c in book:
        assert c.plover_mode is None or (c.plover_mode == c.plover_mode.lower() and " " not in c.plover_mode)


def test_every_row_has_a_name_and_a_description(book):
    for c in book:
        assert c.name and c.description.endswith("."), c.code
        assert "not specified below" not in c.name


@pytest.mark.parametrize(
    "code, name, goldstein",
    [
        ("010", "Make statement", 0.0),
        ("020", "Make an appeal or request", 3.0),
        ("040", "Consult", 1.0),
        ("042", "Make a visit", 1.9),
        ("043", "Host a visit", 2.8),
        ("057", "Sign formal agreement", 8.0),
        ("111", "Criticize or denounce", -2.0),
        ("163", "Impose embargo, boycott, or sanctions", -8.0),
        ("173", "Arrest, detain, or charge with legal action", -5.0),
        ("190", "Use conventional military force", -10.0),
        ("0874", "Retreat or surrender militarily", 10.0),
    ],
)
def test_spot_checks(book, code, name, goldstein):
    row = book.get(code)
    assert row.name == name
    assert row.goldstein == goldstein


@pytest.mark.parametrize(
    "code, plover_type, plover_mode",
    [
        ("036", "AGREE", None),
        ("042", "CONSULT", "visit"),
        ("0233", "REQUEST", "assist"),
        ("1041", "REQUEST", "change"),
        ("0841", "RETREAT", "release"),
        ("091", "ACCUSE", "investigate"),
        ("1413", "PROTEST", "demo"),
        ("154", "MOBILIZE", "troops"),
        ("161", "SANCTION", "withdraw"),
        ("173", "COERCE", "arrest"),
        ("1831", "ASSAULT", "suicide-attack"),
        ("2042", "ASSAULT", "unconventional"),
    ],
)
def test_plover_correspondence(book, code, plover_type, plover_mode):
    row = book.get(code)
    assert (row.plover_type, row.plover_mode) == (plover_type, plover_mode)


def test_known_branches_are_complete(book):
    expected = {
        "01": [f"01{i}" for i in range(10)],
        "021": ["0211", "0212", "0213", "0214"],
        "025": [f"025{i}" for i in range(1, 7)],
        "15": [f"15{i}" for i in range(6)],
        "17": [f"17{i}" for i in range(7)],
        "183": ["1831", "1832", "1833", "1834"],
        "20": [f"20{i}" for i in range(5)],
        "204": ["2041", "2042"],
    }
    for parent, kids in expected.items():
        assert [c.code for c in book.children(parent)] == kids


# --- the loader ----------------------------------------------------------------------------

def test_get_returns_a_frozen_row(book):
    row = book.get("043")
    assert isinstance(row, CameoCode)
    assert row.root == "04"
    with pytest.raises(AttributeError):
        row.name = "changed"  # type: ignore[misc]


def test_unknown_code_is_a_keyerror_that_helps(book):
    with pytest.raises(KeyError, match="043"):
        book.get("43")  # leading zero dropped
    with pytest.raises(KeyError, match="unknown CAMEO code"):
        book.get("999")
    with pytest.raises(KeyError):
        book.get(43)  # type: ignore[arg-type]


def test_contains_iter_len(book):
    assert "043" in book
    assert "43" not in book
    assert 43 not in book
    codes = [c.code for c in book]
    assert len(codes) == len(book) == len(set(codes))


def test_root_and_children(book):
    assert book.root("1823").code == "18"
    assert book.root("18").code == "18"
    assert [c.code for c in book.children("182")] == ["1821", "1822", "1823"]
    assert book.children("1823") == []
    with pytest.raises(KeyError):
        book.children("999")


def test_default_codebook_is_cached():
    assert default_codebook() is default_codebook()
    assert len(default_codebook()) == len(Codebook.load(DATA_FILE))


HEADER = "\t".join(COLUMNS)


def write(tmp_path, *lines: str) -> Path:
    path = tmp_path / "cameo.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_small_file_loads(tmp_path):
    path = write(
        tmp_path,
        "# a test codebook",
        HEADER,
        "04\tConsult\t1.0\t1\tCONSULT\t\tActors meet.",
        "",
        "043\tHost a visit\t2.8\t1\tCONSULT\tvisit\tA host receives a visitor.",
    )
    book = Codebook.load(path)
    assert len(book) == 2
    assert book.get("04").plover_mode is None
    assert book.get("043").plover_mode == "visit"


@pytest.mark.parametrize(
    "bad_row, complaint",
    [
        ("043\tHost a visit\t2.8\t1\tCONSULT\tvisit", "fields"),
        ("043\tHost a visit\thigh\t1\tCONSULT\tvisit\tx.", "goldstein"),
        ("043\tHost a visit\t12\t1\tCONSULT\tvisit\tx.", "goldstein"),
        ("043\tHost a visit\t2.8\t5\tCONSULT\tvisit\tx.", "quad_class"),
        ("043\tHost a visit\t2.8\t1\tMEET\tvisit\tx.", "plover_type"),
        ("43\tHost a visit\t2.8\t1\tCONSULT\tvisit\tx.", "code"),
        ("04\tConsult again\t1.0\t1\tCONSULT\t\tx.", "twice"),
        ("053\tRally support on behalf of\t3.8\t1\tSUPPORT\t\tx.", "root"),
    ],
)
def test_a_malformed_file_names_file_and_line(tmp_path, bad_row, complaint):
    path = write(tmp_path, "# comment", HEADER, "04\tConsult\t1.0\t1\tCONSULT\t\tActors meet.", bad_row)
    with pytest.raises(ValueError) as err:
        Codebook.load(path)
    message = str(err.value)
    assert str(path) in message
    assert "line 4" in message
    assert complaint in message


def test_a_missing_header_is_an_error(tmp_path):
    path = write(tmp_path, "# no header", "04\tConsult\t1.0\t1\tCONSULT\t\tActors meet.")
    with pytest.raises(ValueError, match="line 2.*header"):
        Codebook.load(path)
