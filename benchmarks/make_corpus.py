"""A synthetic news corpus for speed and scale benchmarks: N news-length articles as JSONL.

    python benchmarks/make_corpus.py --docs 1000 --words 800 -o /tmp/corpus.jsonl

Each article is composed from sentence templates: about a third are political-event sentences
with real actor names (countries, capitals, leaders, ministries) and event verbs; the rest are
background sentences (economy, weather, quotes, context) of the kind that fill real articles,
some of them with names but no event and some with event-like words but no actor. The mix
matters because the coder only parses sentences that may hold an event. Output is deterministic
for a given seed. The text is not meant to be read, only to cost what real news costs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta

# (country, demonym, capital, leader, foreign minister) — public facts, as of 2021.
ACTORS = [
    ("China", "Chinese", "Beijing", "Xi Jinping", "Wang Yi"),
    ("Russia", "Russian", "Moscow", "Vladimir Putin", "Sergei Lavrov"),
    ("the United States", "American", "Washington", "Joe Biden", "Antony Blinken"),
    ("France", "French", "Paris", "Emmanuel Macron", "Jean-Yves Le Drian"),
    ("Germany", "German", "Berlin", "Angela Merkel", "Heiko Maas"),
    ("Britain", "British", "London", "Boris Johnson", "Dominic Raab"),
    ("Japan", "Japanese", "Tokyo", "Yoshihide Suga", "Toshimitsu Motegi"),
    ("India", "Indian", "New Delhi", "Narendra Modi", "Subrahmanyam Jaishankar"),
    ("Pakistan", "Pakistani", "Islamabad", "Imran Khan", "Shah Mahmood Qureshi"),
    ("Afghanistan", "Afghan", "Kabul", "Ashraf Ghani", "Mohammad Haneef Atmar"),
    ("Iran", "Iranian", "Tehran", "Hassan Rouhani", "Mohammad Javad Zarif"),
    ("Turkey", "Turkish", "Ankara", "Recep Tayyip Erdogan", "Mevlut Cavusoglu"),
    ("Israel", "Israeli", "Jerusalem", "Naftali Bennett", "Yair Lapid"),
    ("Egypt", "Egyptian", "Cairo", "Abdel Fattah al-Sisi", "Sameh Shoukry"),
    ("Saudi Arabia", "Saudi", "Riyadh", "King Salman", "Faisal bin Farhan"),
    ("Ukraine", "Ukrainian", "Kyiv", "Volodymyr Zelensky", "Dmytro Kuleba"),
    ("Poland", "Polish", "Warsaw", "Andrzej Duda", "Zbigniew Rau"),
    ("Brazil", "Brazilian", "Brasilia", "Jair Bolsonaro", "Carlos Franca"),
    ("Mexico", "Mexican", "Mexico City", "Andres Manuel Lopez Obrador", "Marcelo Ebrard"),
    ("Nigeria", "Nigerian", "Abuja", "Muhammadu Buhari", "Geoffrey Onyeama"),
    ("Ethiopia", "Ethiopian", "Addis Ababa", "Abiy Ahmed", "Demeke Mekonnen"),
    ("South Korea", "South Korean", "Seoul", "Moon Jae-in", "Chung Eui-yong"),
    ("North Korea", "North Korean", "Pyongyang", "Kim Jong Un", "Ri Son Gwon"),
    ("Australia", "Australian", "Canberra", "Scott Morrison", "Marise Payne"),
    ("Canada", "Canadian", "Ottawa", "Justin Trudeau", "Marc Garneau"),
    ("Italy", "Italian", "Rome", "Mario Draghi", "Luigi Di Maio"),
    ("Spain", "Spanish", "Madrid", "Pedro Sanchez", "Jose Manuel Albares"),
    ("Indonesia", "Indonesian", "Jakarta", "Joko Widodo", "Retno Marsudi"),
    ("Vietnam", "Vietnamese", "Hanoi", "Nguyen Xuan Phuc", "Bui Thanh Son"),
    ("Qatar", "Qatari", "Doha", "Tamim bin Hamad Al Thani", "Mohammed bin Abdulrahman Al Thani"),
]

ROLES = ["President {leader}", "Foreign Minister {fm}", "{demonym} officials", "the {demonym} government",
         "{country}", "{capital}", "the {demonym} foreign ministry", "{demonym} diplomats", "{leader}",
         "the {demonym} military", "{demonym} police", "{demonym} lawmakers"]

EVENTS = [
    "{a} met {b} in {place} on {day} to discuss trade and security.",
    "{a} accused {b} of violating the ceasefire agreement.",
    "{a} condemned {b} for the attack near the border.",
    "{a} signed an agreement with {b} on energy cooperation.",
    "{a} called on {b} to release the detained journalists.",
    "{a} praised {b} for its role in the negotiations.",
    "{a} criticized {b} over its treatment of protesters.",
    "{a} threatened to impose sanctions on {b} if the talks failed.",
    "{a} imposed new sanctions on {b} on {day}.",
    "{a} expressed concern over {b_pos} military build-up.",
    "{a} urged {b} to return to the negotiating table.",
    "{a} rejected {b_pos} proposal for a joint commission.",
    "{a} welcomed {b_pos} decision to reopen the embassy.",
    "{a} hosted {b} for two days of talks in {place}.",
    "{a} agreed to cooperate with {b} on counterterrorism.",
    "{a} warned {b} against further provocations.",
    "{a} denied {b_pos} claims that it had shelled the village.",
    "{a} demanded that {b} withdraw its troops.",
    "{a} offered humanitarian aid to {b} after the floods.",
    "{a} thanked {b} for the vaccine donation.",
    "{a} expelled {b_pos} ambassador, citing espionage.",
    "{a} promised to provide economic assistance to {b}.",
    "{a} held talks with {b} on the nuclear programme.",
    "{a} apologized to {b} for the incident at sea.",
    "{a} sent a delegation to {b} to discuss the dispute.",
    "{a} visited {place} and met {b}.",
]

BACKGROUND = [
    "The country's economy grew by {n} percent in the second quarter, according to official figures.",
    "Analysts said markets had been volatile for weeks as investors weighed the outlook for interest rates.",
    "Heavy rain caused flooding in several districts, and schools were closed for the rest of the week.",
    "The report, which runs to more than {n} pages, has not been made public.",
    "Prices of food and fuel have risen sharply since the start of the year.",
    "The meeting lasted about two hours, and no joint statement was issued afterwards.",
    "Local media reported long queues at petrol stations in the capital.",
    "The ministry did not respond to a request for comment.",
    "Officials said the figures were preliminary and could be revised.",
    "The talks are expected to continue next month, a spokesperson said.",
    "Thousands of people gathered in the main square on {day} evening.",
    "The agency said it had recorded {n} new cases in the past 24 hours.",
    "It was not immediately clear how many people were affected.",
    "The region has a long history of disputes over water and grazing land.",
    "Negotiators have met several times this year without a breakthrough.",
    "The new budget includes higher spending on health and education.",
    "\"We will continue to work for peace,\" the spokesperson told reporters.",
    "Tourism, once a major source of income, has not recovered from the pandemic.",
    "The {demonym} currency fell to its lowest level against the dollar in {n} months.",
    "Observers said turnout was lower than in previous elections.",
    "The project, announced in {year}, has faced repeated delays and cost overruns.",
    "{leader} has been in office since {year} and faces elections next year.",
    "The {demonym} central bank left its key interest rate unchanged.",
    "Satellite images showed new construction at the site, the report said.",
    "The port handles about a third of the country's exports.",
    "The statement gave no details about the timing of the next round.",
    "Residents said electricity had been cut for most of the day.",
    "Experts warned that the drought could affect the harvest for a second year.",
]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
OUTLETS = ["Example Wire", "Daily Synthetic", "The Benchmark Post", "Template News"]


def _actor_phrase(rng: random.Random, actor: tuple[str, ...], capital_ok: bool = True) -> str:
    country, demonym, capital, leader, fm = actor
    role = rng.choice(ROLES if capital_ok else [r for r in ROLES if r != "{capital}"])
    text = role.format(country=country, demonym=demonym, capital=capital, leader=leader, fm=fm)
    return text


def _sentence(rng: random.Random, event_share: float) -> str:
    actor = rng.choice(ACTORS)
    fill = dict(day=rng.choice(DAYS), n=rng.randint(2, 90), year=rng.randint(2005, 2020),
                demonym=actor[1], leader=actor[3])
    if rng.random() < event_share:
        a, b = rng.sample(ACTORS, 2)
        target = _actor_phrase(rng, b, capital_ok=False)
        s = rng.choice(EVENTS).format(a=_actor_phrase(rng, a), b=target,
                                      b_pos=target + ("'" if target.endswith("s") else "'s"),
                                      place=rng.choice([a[2], b[2]]), day=fill["day"])
        return s[0].upper() + s[1:]
    return rng.choice(BACKGROUND).format(**fill)


def article(rng: random.Random, index: int, words: int = 800, event_share: float = 0.35,
            start: date = date(2021, 1, 1)) -> dict:
    """One article as a JSONL record: id, title, date, outlet, text (paragraphs of 2-4 sentences)."""
    paragraphs: list[str] = []
    count = 0
    while count < words:
        para = " ".join(_sentence(rng, event_share) for _ in range(rng.randint(2, 4)))
        paragraphs.append(para)
        count += len(para.split())
    a, b = rng.sample(ACTORS, 2)
    title = f"{a[0][0].upper() + a[0][1:]} and {b[0]} at odds over {rng.choice(['trade', 'border', 'talks', 'aid'])}"
    day = start + timedelta(days=rng.randrange(365))
    return {"id": f"synth-{index:07d}", "title": title, "date": day.isoformat(),
            "outlet": rng.choice(OUTLETS), "text": title + "\n\n" + "\n\n".join(paragraphs)}


def corpus(n: int, seed: int = 0, words: int = 800, event_share: float = 0.35) -> Iterator[dict]:
    rng = random.Random(seed)
    for i in range(n):
        yield article(rng, i, words=words, event_share=event_share)


def write_corpus(path: str, n: int, seed: int = 0, words: int = 800, event_share: float = 0.35) -> int:
    """Write `n` articles to `path` (JSONL); returns the number of words written."""
    total = 0
    with open(path, "w", encoding="utf-8") as fh:
        for rec in corpus(n, seed=seed, words=words, event_share=event_share):
            total += len(rec["text"].split())
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return total


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=1000, help="number of articles (default 1000)")
    p.add_argument("--words", type=int, default=800, help="words per article, about (default 800)")
    p.add_argument("--event-share", type=float, default=0.35,
                   help="share of sentences that are political-event sentences (default 0.35)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", default="-", help="JSONL file (default: stdout)")
    args = p.parse_args(argv)
    if args.output == "-":
        for rec in corpus(args.docs, seed=args.seed, words=args.words, event_share=args.event_share):
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return 0
    words = write_corpus(args.output, args.docs, seed=args.seed, words=args.words, event_share=args.event_share)
    print(f"{args.docs} articles, {words} words ({words / max(args.docs, 1):.0f} a document) -> {args.output}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
