"""/statistik: SVG charts drawn on the server, each with its table, in both languages, from a
fixed number of SQL statements whatever the number of profiles."""

from __future__ import annotations

import re

from sqlalchemy import event

from catalogue.extensions import db


def test_each_chart_has_its_table_with_the_same_figures(seeded, client):
    page = client.get("/statistik", headers={"Accept-Language": "de"}).get_data(as_text=True)
    sections = re.findall(r'<section class="chart-section" aria-labelledby="([a-z]+)-h">(.*?)</section>', page, re.S)
    assert [name for name, _ in sections] == ["laender", "themen", "rechtsformen", "beginn", "kommunen"]
    for name, html in sections:
        assert '<svg class="chart' in html and f'aria-labelledby="{name}-h {name}-desc"' in html
        bars = re.findall(r'class="chart__value[^"]*">([\d.]+)</text>', html)
        cells = re.findall(r'<td class="num"[^>]*>([\d.]+)</td>', html)
        assert bars and bars == cells, name
    states = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num"[^>]*>(\d+)</td>', sections[0][1]))
    assert states["Sachsen"] == "2" and states["Thüringen"] == "1"
    assert "<script" not in page.split("</head>")[1].split("<footer")[0]  # no JavaScript needed


def test_the_start_years_are_a_time_series_with_the_empty_years(seeded, client):
    """Every year from the first to the last, those without a beginning as 0 (bar and table)."""
    page = client.get("/statistik", headers={"Accept-Language": "de"}).get_data(as_text=True)
    html = re.search(r'<section class="chart-section" aria-labelledby="beginn-h">(.*?)</section>', page, re.S).group(1)
    rows = re.findall(r'<th scope="row">(\d{4})</th><td class="num"[^>]*>(\d+)</td>', html)
    years = [int(year) for year, _ in rows]
    assert years == list(range(1999, 2025))  # the seed's first and last start year
    counts = dict(rows)
    assert [counts[str(year)] for year in range(2002, 2009)] == ["0"] * 7 and counts["2018"] == "6"
    assert sum(int(n) for n in counts.values()) == 16  # the three without a year are named below
    labels = re.findall(r'text-anchor="end" class="chart__label">(\d{4})</text>', html)
    assert labels == [str(year) for year in years]
    assert html.count("<rect ") == sum(1 for n in counts.values() if n != "0")
    assert html.count("chart__value--zero") == sum(1 for n in counts.values() if n == "0")


def test_english_page(seeded, client):
    page = client.get("/statistik", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Statistics</h1>" in page and "Cooperations by state" in page and "Saxony" in page
    assert re.search(r'<text x="0" y="\d+" class="chart__label" lang="de">', page)  # German names marked


def test_a_fixed_number_of_queries(seeded, client, make_project):
    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/statistik").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = count()
    for n in range(3):
        make_project(title=f"Weitere Kooperation {n}", since_year=2000 + n, keywords=[f"Thema {n}"])
    assert count() == before


def test_an_empty_catalogue(client):
    page = client.get("/statistik").get_data(as_text=True)
    assert page.count("Noch keine Angaben.") == 5
