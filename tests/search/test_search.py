"""Searching the real seed data and made-up profiles through the public interface."""

import re

import pytest
from sqlalchemy import select

from catalogue import search
from catalogue.accounts import create_user
from catalogue.extensions import db
from catalogue.models import Project
from catalogue.services import change_status

NEUTRAL = {
    "summary": "",
    "keywords": [],
    "occasion": "",
    "goal": "",
    "implementation": "",
    "financing": "",
    "participants": [],
    "contacts": [],
    "links": [],
    "updates": [],
}


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


@pytest.mark.parametrize(
    "q, slug",
    [
        ('"starke Verwaltung"', "gemeinsam-nachhaltig"),  # "… eine starke Kommunalverwaltung …" (compound part)
        ('"Netzwerke aufbauen"', "digitalisierungsnetzwerke"),  # "… Digitalisierungsnetzwerke aufbauen"
        ("Digitalisirung", "digitalisierungsnetzwerke"),  # typo
        ("Wirtschaftsfoerderung", "gemeinsam-nachhaltig"),  # oe for ö
        ("Kooperationen", "zweckverband-jugendarbeit"),  # stemming: the profile says "Kooperation"
    ],
)
def test_german_handling_on_the_seed_data(seeded, q, slug):
    assert seed_id(slug) in ids_of(q)


@pytest.mark.parametrize(
    "part, place, slug",
    [
        ("Birken", "Birkenfeld", "tourismus-service-center"),
        ("Feld", "Birkenfeld", "tourismus-service-center"),
        ("Keil", "Hermeskeil", "tourismus-service-center"),
        ("Stock", "Eibenstock", "verbundraum-laendliches"),
        ("Heide", "Heidenheim", "oepnv-taxi"),
        ("Heim", "Heidenheimer", "oepnv-taxi"),
    ],
)
def test_names_of_places_are_not_torn_apart(seeded, part, place, slug):
    """compound-split would split these names; the profile's own places stay whole."""
    assert seed_id(slug) in ids_of(place)
    assert seed_id(slug) not in ids_of(part)


def test_partner_names_are_searchable(seeded):
    found = ids_of("Arnsberg")
    assert len(found) >= 2  # lead of one cooperation, partner region of another
    assert seed_id("gemeinsam-nachhaltig") in found


@pytest.mark.parametrize(
    "q, text",
    [
        ("Kooperationen", "Eine Kooperation der Gemeinden."),
        ("Städte", "Die Stadt hilft."),
        ("Hochwasser", "Nach der Hochwasserkrise 2021 kam die Hilfe."),
        ("Netzwerk", "Ein Digitalisierungsnetzwerk entsteht."),
        ("Verwaltung", "Die Kommunalverwaltung wird modern."),
        ("Digitalisirung", "Die Digitalisierung der Ämter."),
        ("Wirtschaftsfoerderung", "Gemeinsame Wirtschaftsförderung im Tal."),
        ("Westfalen", "Gefördert vom Land Nordrhein-Westfalen."),
        ("Nordrhein-Westfalen", "Gefördert vom Land Nordrhein-Westfalen."),
        ("Schutzkonzept", "Ein gemeinsames Hochwasser-Schutzkonzept."),
    ],
)
def test_german_language_handling(make_project, q, text):
    wanted = plain(make_project, title="Ein Vorhaben im Tal", occasion=text)
    plain(make_project, title="Etwas anderes", occasion="Gar nichts davon.")
    assert ids_of(q) == [wanted.id]


def test_phrases_run_through_and_past_compounds(make_project):
    wanted = plain(make_project, title="Ein Vorhaben", occasion="Die Kommunalverwaltung hilft den Bürgern.")
    plain(make_project, title="Etwas anderes", occasion="Die Verwaltung hilft oft, den Bürgern selten.")
    assert ids_of('"Kommunalverwaltung hilft"') == [wanted.id]
    assert ids_of('"die Verwaltung hilft den Bürgern"') == [wanted.id]  # compound part; stop words drop out
    assert len(ids_of('"Verwaltung hilft"')) == 2


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


def test_snippet_comes_from_the_field_that_matched_however_deep(make_project):
    filler = "Ein Satz über die Zusammenarbeit der Gemeinden im Tal. " * 60  # far beyond the first screenful
    project = plain(
        make_project,
        title="Langer Text",
        summary="Kurz gesagt: nichts.",
        occasion=filler + "Am Ende kam die Feuerwehrwache dazu.",
    )
    snippet = search.search_projects("Feuerwehr").snippets[project.id]
    assert "<mark>Feuerwehr</mark>wache" in snippet and "nichts" not in snippet
    keyword = plain(make_project, title="Etwas", summary="Kurz.", keywords=["Breitbandausbau"])
    assert "<mark>Breitband</mark>ausbau" in search.search_projects("Breitband").snippets[keyword.id]


def test_pieces_of_hyphenated_names_find_and_mark(make_project):
    org = {"role": "partner", "organisation": {"name": "Gemeinde Westfeld-Hochheide", "kind": "municipality"}}
    project = plain(
        make_project,
        title="Bauhof",
        participants=[org],
        occasion="Westfeld-Hochheide teilt den Bauhof; gefördert vom Land Nordrhein-Westfalen.",
    )
    assert ids_of("Hochheide") == [project.id] and ids_of("Westfeld Hochheide") == [project.id]
    snippet = search.search_projects("Westfalen").snippets[project.id]
    assert "Nordrhein-<mark>Westfalen</mark>" in snippet


def test_snippets_mark_no_part_of_a_place_name(make_project):
    org = {"role": "lead", "organisation": {"name": "Verbandsgemeinde Birkenfeld", "kind": "municipal_association"}}
    project = plain(make_project, title="Handlungsfelder in Birkenfeld", participants=[org])
    snippet = search.search_projects("Feld").snippets[project.id]
    assert "Handlungs<mark>felder</mark>" in snippet and "Birken<mark>" not in snippet


def test_every_kind_of_write_reaches_the_index(runner, make_project, tmp_path):
    """Service writes are covered above; the import command and archiving ("delete") too."""
    record = tmp_path / "profil.json"
    record.write_text(
        '{"title": "Importierter Wasserverband", "summary": "Aus einer Datei.", "status": "published"}',
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", str(record), "--status", "published"])
    assert result.exit_code == 0, result.output
    imported = db.session.scalar(select(Project).where(Project.title == "Importierter Wasserverband"))
    assert ids_of("Wasserverband") == [imported.id]
    change_status(imported, "archived", "test")
    db.session.commit()
    assert ids_of("Wasserverband") == []
    assert ids_of("Wasserverband", include_unpublished=True) == [imported.id]


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
    assert ids_of("", filters={"since_from": 2000, "since_to": 2019}) == [sn.id]


def test_every_facet_counts_and_updates_with_the_query(make_project):
    def org(name, district, kind):
        return {"role": "lead", "organisation": {"name": name, "kind": kind, "state": "DE-NW", "district": district}}

    make_project(
        title="Klima am See",
        keywords=["Klima"],
        legal_form="Zweckverband",
        since_year=2012,
        participants=[org("Stadt A", "Kreis Nord", "municipality")],
    )
    make_project(
        title="Klima im Wald",
        keywords=["Klima", "Wald"],
        legal_form="GmbH",
        since_year=2021,
        participants=[org("Kreis Süd", "Kreis Süd", "district")],
    )
    make_project(
        title="Bauhof am See",
        keywords=["Bauhof"],
        legal_form="Zweckverband",
        since_year=1999,
        participants=[org("Stadt B", "Kreis Nord", "municipality")],
    )
    everything, klima = search.search_projects("").facets, search.search_projects("Klima").facets
    assert dict(everything["district"]) == {"Kreis Nord": 2, "Kreis Süd": 1}
    assert dict(klima["district"]) == {"Kreis Nord": 1, "Kreis Süd": 1}
    assert dict(everything["legal_form"]) == {"Zweckverband": 2, "GmbH": 1}
    assert dict(klima["legal_form"]) == {"Zweckverband": 1, "GmbH": 1}
    assert dict(everything["kind"]) == {"municipality": 2, "district": 1}
    assert dict(klima["kind"]) == {"municipality": 1, "district": 1}
    assert dict(klima["keyword"]) == {"Klima": 2, "Wald": 1}
    assert dict(klima["since"]) == {"2010–2019": 1, "ab 2020": 1}
    chosen = search.search_projects("See", filters={"legal_forms": ["Zweckverband"], "districts": ["Kreis Nord"]})
    assert chosen.total == 2 and dict(chosen.facets["legal_form"]) == {"Zweckverband": 2}


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


def test_editors_find_drafts_by_their_text_in_the_admin(client, make_project):
    """The public search never shows a draft; the admin list searches drafts through the index."""
    draft = plain(
        make_project, status="draft", title="Unveröffentlicht", occasion="Eine Kläranlagenpartnerschaft entsteht."
    )
    create_user("redaktion", "ein sehr langes Passwort", "editor", "test")
    db.session.commit()
    assert "Unveröffentlicht" not in client.get("/suche?q=Kläranlage").get_data(as_text=True)
    login = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', login)
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token.group(1) or token.group(2),
            "username": "redaktion",
            "password": "ein sehr langes Passwort",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/projekte?q=Kläranlage").get_data(as_text=True)  # a compound part, not the title
    assert f"/admin/projekte/{draft.id}" in page and "Unveröffentlicht" in page
