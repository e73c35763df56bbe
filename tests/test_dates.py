"""Time expressions against a publication date, with their precision kept."""
import pytest

from whowhom.dates.resolve import parse_expression

PUB = "2021-08-20"  # a Friday


@pytest.mark.parametrize("text, expected", [
    ("in February 2020", ("2020-02", "month")),
    ("February 2020", ("2020-02", "month")),
    ("At the end of July", ("2021-07", "month")),
    ("the beginning of March", ("2021-03", "month")),
    ("since January", ("2021-01", "month")),
    ("in 1996", ("1996", "year")),
    ("on 4 October 2007", ("2007-10-04", "day")),
    ("March 28, 2019", ("2019-03-28", "day")),
    ("on Monday", ("2021-08-16", "day")),
    ("last Friday", ("2021-08-13", "day")),
    ("yesterday", ("2021-08-19", "day")),
    ("last week", ("2021-08-09", "week")),
    ("in September", ("2020-09", "month")),  # a month after publication is last year's
    ("two years ago", ("2019", "year")),          # no more precise than it says
    ("three months ago", ("2021-05", "month")),
    ("a week ago", ("2021-08-09", "week")),
    ("5 days ago", ("2021-08-15", "day")),
])
def test_expressions(text, expected):
    assert parse_expression(text, PUB) == expected


@pytest.mark.parametrize("text", ["for years", "the past few days", "in the future", "decades",
                                  "several years ago"])
def test_durations_and_vague_spans_are_no_date(text):
    assert parse_expression(text, PUB) is None


def test_relative_expressions_need_a_publication_date():
    assert parse_expression("last Friday", None) is None
    assert parse_expression("in February 2020", None) == ("2020-02", "month")


def test_a_total_since_a_year_is_dated_by_the_report_not_the_year(code):
    # "has given ... since 1991": a running total as of the report, not a 1991 event
    events = code("Washington has given Georgia more than $6 billion in aid since 1991.", date="2024-05-01")
    assert [(e.date, e.date_source) for e in events] == [("2024-05-01", "publication")]
