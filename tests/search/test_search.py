"""Searching the real seed data and made-up profiles through the public interface."""

import pytest

from catalogue import search
from catalogue.extensions import db
from catalogue.models import Project
from catalogue.services import change_status
from sqlalchemy import select


NEUTRAL = {"summary": "", "keywords": [], "occasion": "", "goal": "", "implementation": "", "financing": "",
           "participants": [], "contacts": [], "links": [], "updates": []}


def plain(make_project, status="published", **fields):
    """A profile with only the given text, so that default test content cannot match."""
    return make_project(status=status, **{**NEUTRAL, **fields})


def ids_of(q, **kwargs):
    return search.search_projects(q, **kwargs).ids


def seed_id(slug_part):
    return db.session.scalar(select(Project.id).where(Project.slug.contains(slug_part)))


@pytest.mark.parametrize("q", ["Großpösna", "Grosspoesna", "grosspösna"])
def test_place_spellings_find_partheland(seeded, q):
    assert seed_id("interkommunaler-verbundraum-region-partheland") in ids_of(q)


def test_partner_names_are_searchable(seeded):
    found = ids_of("Arnsberg")
    assert len(found) >= 2  # lead of one cooperation, partner region of another
    assert seed_id("gemeinsam-nachhaltig") in found


@pytest.mark.parametrize("q, text", [
    ("Kooperationen", "Eine Kooperation der Gemeinden."),
    ("Städte", "Die Stadt hilft."),
    ("Hochwasser", "Nach der Hochwasserkrise 2021 kam die Hilfe."),
    ("Netzwerk", "Ein Digitalisierungsnetzwerk entsteht."),
    ("Verwaltung", "Die Kommunalverwaltung wird modern."),
    ("Digitalisirung", "Die Digitalisierung der Ämter."),
    ("Wirtschaftsfoerderung", "Gemeinsame Wirtschaftsförderung im Tal."),
])
def test_german_language_handling(make_project, q, text):
    wanted = plain(make_project, title="Ein Vorhaben im Tal", occasion=text)
    plain(make_project, title="Etwas anderes", occasion="Gar nichts davon.")
    assert ids_of(q) == [wanted.id]


def test_typo_offers_a_correction_that_finds_more(seeded):
    result = search.search_projects("Digitalisirng Netzwrk")
    assert result.suggestion is not None
    assert search.search_projects(result.suggestion).total > result.total


def test_title_and_keywords_weigh_more_than_long_texts(make_project):
    in_text = make_project(title="Gemeinsamer Bauhof", keywords=[], occasion="Auch die Feuerwehr hilft.")
    in_title = make_project(title="Gemeinsame Feuerwehr", keywords=[])
    in_keyword = make_project(title="Brandschutz im Verbund", keywords=["Feuerwehr"])
    found = ids_of("Feuerwehr")
    assert set(found[:2]) == {in_title.id, in_keyword.id} and found[2] == in_text.id


def test_phrase_exclusion_and_or(make_project):
    a = plain(make_project, title="Gemeinsames Standesamt", occasion="Die Ehe wird im Rathaus geschlossen.")
    b = plain(make_project, title="Gemeinsamer Bauhof", occasion="Das Rathaus bleibt, die Ehe nicht.")
    assert ids_of('"Ehe wird im Rathaus"') == [a.id]
    assert ids_of("Rathaus -Bauhof") == [a.id]
    assert set(ids_of("Standesamt OR Bauhof")) == {a.id, b.id}
    assert ids_of("Standesamt Bauhof") == []


def test_snippets_are_escaped_and_highlighted(make_project):
    project = make_project(title="Skript", keywords=[], summary="<script>alert(1)</script> Die Hochwasserkrise.")
    snippet = search.search_projects("Hochwasser").snippets[project.id]
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>Hochwasser</mark>krise" in snippet


def test_only_published_profiles_are_public(make_project):
    draft = make_project(status="draft", title="Geheimer Entwurf")
    assert ids_of("Entwurf") == []
    assert ids_of("Entwurf", include_unpublished=True) == [draft.id]
    change_status(draft, "published", "test")
    db.session.commit()
    assert ids_of("Entwurf") == [draft.id]
    change_status(draft, "draft", "test")
    db.session.commit()
    assert ids_of("Entwurf") == []


def _org(name, state, kind="municipality", district=""):
    return {"role": "lead", "organisation": {"name": name, "kind": kind, "state": state, "district": district}}


def test_filters_or_within_and_across_with_facet_counts(make_project):
    nw = make_project(title="Klima Nord", keywords=["Klima"], participants=[_org("Stadt A", "DE-NW")], since_year=1995)
    sn = make_project(title="Klima Ost", keywords=["Klima"], participants=[_org("Stadt B", "DE-SN")], since_year=2015)
    by = make_project(title="Klima Süd", keywords=["Abfall"], participants=[_org("Stadt C", "DE-BY")], since_year=2021)
    assert set(ids_of("Klima", filters={"states": ["DE-NW", "DE-SN"]})) == {nw.id, sn.id}
    assert ids_of("", filters={"states": ["DE-NW", "DE-BY"], "keywords": ["klima"]}) == [nw.id]
    result = search.search_projects("", filters={"states": ["DE-NW"]})
    assert dict(result.facets["state"]) == {"DE-NW": 1, "DE-SN": 1, "DE-BY": 1}  # own facet ignores its filter
    assert dict(result.facets["keyword"]) == {"Klima": 1}
    assert dict(search.search_projects("").facets["since"]) == {"vor 2000": 1, "2010–2019": 1, "ab 2020": 1}
    assert ids_of("", filters={"since_from": 2010}, sort="seit") == [by.id, sn.id]


def test_sorting_and_pagination(make_project):
    made = [make_project(title=f"Projekt {letter}", since_year=2000 + i) for i, letter in enumerate("CAB")]
    assert ids_of("Projekt", sort="titel") == [made[1].id, made[2].id, made[0].id]
    assert ids_of("", sort="seit") == [made[2].id, made[1].id, made[0].id]
    assert ids_of("", sort="neueste")[0] == made[2].id
    page2 = search.search_projects("", sort="titel", page=2, per_page=2)
    assert page2.ids == [made[0].id] and page2.total == 3 and page2.pages == 2


def test_suggestions(seeded):
    labels = {(item["kind"], item["label"]) for item in search.suggest("digi")}
    assert ("keyword", "Digitalisierung") in labels
    assert all(item["url"].startswith("/") for item in search.suggest("arn"))
    assert any(item["kind"] == "organisation" and "Arnsberg" in item["label"] for item in search.suggest("arn"))
    assert search.suggest("") == [] and search.suggest("\x00") == []


def test_similar_projects_are_published_only(make_project):
    a = make_project(title="Gemeinsame Feuerwehr Nord", keywords=["Feuerwehr"], occasion="Die Feuerwehr braucht Leute.")
    b = make_project(title="Gemeinsame Feuerwehr Süd", keywords=["Feuerwehr"], occasion="Die Feuerwehr braucht Geräte.")
    draft = make_project(status="draft", title="Feuerwehr Entwurf", keywords=["Feuerwehr"])
    similar = search.similar_projects(a.id)
    assert b.id in similar and draft.id not in similar and a.id not in similar
