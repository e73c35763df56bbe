"""Who is who, on the date of the event: the actor knowledge base and resolver as a specification."""
import pytest

from whowhom.actors.kb import ActorFileError, load_kb
from whowhom.actors.lookup import resolve_text
from whowhom.pipeline import Coder
from whowhom.records import Document


def lookup(coder, text, date=None):
    actor, _ = resolve_text(coder, text, date)
    return actor


@pytest.mark.parametrize("text, date, code", [
    ("Wang Yi", "2021-07-28", "CHNGOV"),
    ("Wang Yi", "2023-08-01", "CHNGOV"),
    ("Abdul Ghani Baradar", "2020-02-29", "AFGINS"),   # a Taliban leader signing in Doha
    ("Abdul Ghani Baradar", "2021-10-01", "AFGGOV"),   # deputy prime minister of the Taliban government
    ("the Taliban", "2020-02-29", "AFGINS"),
    ("the Taliban", "2021-09-01", "AFGGOV"),
    ("Samir Kabulov", "2021-08-20", "RUSGOV"),
    ("Putin", "2021-08-20", "RUSGOV"),
    ("Xinhua", None, "CHNMED"),
])
def test_named_actors_have_the_role_in_force_on_the_date(coder, text, date, code):
    assert lookup(coder, text, date).code == code


@pytest.mark.parametrize("text, code", [
    ("Beijing", "CHNGOV"), ("the Kremlin", "RUSGOV"), ("Moscow", "RUSGOV"),
    ("the White House", "USAGOV"), ("Downing Street", "GBRGOV"),
])
def test_seats_of_government_stand_for_governments(coder, text, code):
    assert lookup(coder, text).code == code


@pytest.mark.parametrize("text, country, sector", [
    ("the Chinese leadership", "CHN", "GOV"),
    ("Chinese Foreign Minister Wang", "CHN", "GOV"),
    ("Islamist militants in Mali", "MLI", None),
    ("an American destroyer", "USA", "MIL"),
    ("Shanghai police", "CHN", "COP"),
    ("ordinary Kazakhs", "KAZ", "CVL"),
    ("the UAE", "ARE", None),
    ("DPRK", "PRK", None),
])
def test_phrases_resolve_to_country_and_sector(coder, text, country, sector):
    actor = lookup(coder, text)
    assert actor.country == country
    if sector:
        assert actor.sector == sector


def test_a_misspelt_minister_is_found_by_title_nationality_and_surname(coder):
    actor = lookup(coder, "Chinese Foreign Minister Wang Ji", "2021-07-28")
    assert (actor.code, actor.name) == ("CHNGOV", "Wang Yi")


def test_pronouns_and_descriptions_resolve_across_sentences(coder):
    text = ("Taliban leader Mullah Abdul Ghani Baradar met Chinese officials in Tianjin on Wednesday. "
            "He later criticized the United States. The Islamist militia attacked Afghan troops in Kandahar.")
    events = coder.code(Document(id="c", text=text, date="2021-07-30"))
    by_sentence = {e.sentence_id: e for e in events}
    assert by_sentence[1].source.name == "Abdul Ghani Baradar" and by_sentence[1].root_code == "11"
    assert by_sentence[2].source.name == "Taliban" and by_sentence[2].source.code == "AFGINS"


def test_a_users_file_adds_and_overrides_actors(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "- name: Amina Diallo\n"
        "  kind: person\n"
        "  aliases: [Amina Diallo]\n"
        "  surname: Diallo\n"
        "  roles:\n"
        "    - {country: MLI, sector: OPP, start: 2019-01-01, end: 2023-06-30}\n"
        "    - {country: MLI, sector: GOV, start: 2023-07-01}\n"
        "- name: Xinhua\n"
        "  kind: organization\n"
        "  aliases: [Xinhua]\n"
        "  roles: [{country: CHN, sector: GOV}]\n")
    coder = Coder(actors_file=mine)
    assert lookup(coder, "Amina Diallo", "2020-05-01").code == "MLIOPP"
    assert lookup(coder, "Amina Diallo", "2024-05-01").code == "MLIGOV"
    assert lookup(coder, "Xinhua").code == "CHNGOV"  # overridden
    assert load_kb().lookup("Amina Diallo") == []  # the shipped knowledge base is untouched


def test_a_malformed_users_file_names_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: Someone\n  roles: [{country: FRA\n  aliases: [x]\n")
    with pytest.raises(ActorFileError) as err:
        load_kb(bad)
    assert str(bad) in str(err.value) and "line" in str(err.value)
    bad.write_text("- name: Someone\n  roles:\n    - {country: FRA, start: last year}\n")
    with pytest.raises(ActorFileError) as err:
        load_kb(bad)
    assert str(bad) in str(err.value) and "last year" in str(err.value)


# ------------------------------------------------------------- places, descriptions, context ----

@pytest.mark.parametrize("text, code", [
    ("hundreds of teachers across Norway", "NOREDU"),                  # a place two words away
    ("a lecturer at the University of Leeds in England", "GBREDU"),    # at ... in ...: two deep
    ("Ciudad Juarez police", "MEXCOP"),                                # Juárez, without its accent
    ("Police in the Gaza Strip", "PSECOP"),           # the sector word is not Police, a town in Poland
])
def test_a_place_the_phrase_puts_the_actor_in_gives_its_country(coder, text, code):
    assert lookup(coder, text).code == code


@pytest.mark.parametrize("text, code", [
    ("an Islamic State target southwest of Baghdad", "IRQINS"),  # "of" after a direction places
    ("Islamic State fighters in Syria", "SYRINS"),
    ("Islamic State", "IMGMUSISI"),                              # placed nowhere: the group's own code
])
def test_a_group_of_no_one_state_takes_the_country_its_phrase_places_it_in(coder, text, code):
    actor = lookup(coder, text, date="2015-06-01")
    assert actor.code == code and actor.name == "Islamic State"


@pytest.mark.parametrize("text, code", [
    ("pro-Russian separatists", "---SEP"),   # for Russia, not Russian
    ("anti-French protesters", "---CVL"),
    ("Iran-backed militias", "---UAF"),
    ("Russian separatists", "RUSSEP"),
])
def test_whom_an_actor_is_for_or_against_is_not_who_it_is(coder, text, code):
    assert lookup(coder, text).code == code


def test_a_surname_named_before_beats_a_company_of_the_same_name(coder):
    assert lookup(coder, "Meta", date="2023-01-01").name == "Meta Platforms"
    text = "Albanian President Ilir Meta met Greek Prime Minister Kyriakos Mitsotakis. Meta criticized Serbia."
    events = coder.code(Document(id="m", text=text, date="2020-05-01"))
    assert [(e.source.name, e.target.code) for e in events if e.sentence_id == 1] == [("Ilir Meta", "SRB")]


def test_an_unknown_name_is_who_its_apposition_says(coder):
    actor = lookup(coder, "Jonas Vikstrom, Sweden's deputy foreign minister")
    assert (actor.code, actor.name) == ("SWEGOV", None)
    assert actor.resolved_by.endswith("+apposition")


def test_a_word_of_a_persons_name_is_not_a_town(coder):
    # Valencia is a Venezuelan city, and Maria Valencia nobody we know: no country.
    assert lookup(coder, "Maria Valencia") is None


@pytest.mark.parametrize("spelling", ["Muhammad Shia al-Sudani", "Mohamad Shia al-Sudani"])
def test_transliterations_of_muhammad_are_one_name(coder, spelling):
    assert lookup(coder, spelling, "2023-10-01").name == "Mohammed Shia al-Sudani"


def test_context_gives_a_country_to_a_phrase_that_names_none(coder):
    actor, why = resolve_text(coder, "the interior minister", None, "Peruvian")
    assert actor.code == "PERGOV" and "context" in why
    # ... but never overrides the phrase's own country or an international body.
    assert resolve_text(coder, "the Chilean interior minister", None, "Peruvian")[0].code == "CHLGOV"
    assert resolve_text(coder, "NATO", None, "Peruvian")[0].code.startswith("IGO")


def test_context_naming_several_states_decides_nothing(coder):
    actor, _ = resolve_text(coder, "the interior minister", None, "Peru and Chile")
    assert actor.country is None


def test_a_former_title_finds_who_held_it(coder):
    # Jair Bolsonaro was president until 2023; other Bolsonaros never were
    assert lookup(coder, "former president Bolsonaro", "2024-01-01").name == "Jair Bolsonaro"


def test_a_given_name_is_not_someone_elses_surname(coder):
    # Evans Paul was a Haitian prime minister; Paul Keating an Australian one the dictionary lacks
    assert lookup(coder, "Former prime minister Paul Keating").country is None
    assert lookup(coder, "Xi Jinping", "2023-01-01").code == "CHNGOV"   # surname first


def test_an_acronym_is_not_a_surname(coder):
    # The dictionary knows a Mr Pan; "the PAN" (a party's initials) is not him.
    assert lookup(coder, "the PAN") is None


def test_a_surname_without_its_arabic_article_under_the_title_he_held(coder):
    # "President Bashir" is Omar al-Bashir, not the cleric Abu Bakar Bashir, who held no presidency
    assert lookup(coder, "President Bashir", "2000-01-01").name == "Omar al-Bashir"


def test_a_bare_family_surname_means_the_one_who_leads_the_state(coder):
    assert lookup(coder, "Biden", "2023-06-01").name == "Joe Biden"   # not Hunter Biden
