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
        assert '<svg class="chart"' in html and f'aria-labelledby="{name}-h {name}-desc"' in html
        bars = re.findall(r'class="chart__value">([\d.]+)</text>', html)
        cells = re.findall(r'<td class="num"[^>]*>([\d.]+)</td>', html)
        assert bars and bars == cells, name
    states = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num"[^>]*>(\d+)</td>', sections[0][1]))
    assert states["Sachsen"] == "2" and states["Thüringen"] == "1"
    assert "<script" not in page.split("</head>")[1].split("<footer")[0]  # no JavaScript needed


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
