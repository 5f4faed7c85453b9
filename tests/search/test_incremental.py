"""A generation derived from the previous one answers exactly as one built from nothing.

After each write through the services (new profiles, changed ones, status changes: each a new
index segment, deletions in the older ones, small segments merged), the application's store has
derived its snapshot from the previous generation's (live and value sets, sort orders,
suggestions) and reused what it read from the unchanged segments (decoded postings, positions,
open segment readers). A new ``IndexStore`` on the same folder builds everything from nothing;
both must give the same ids in the same order, totals, facets, snippets and suggestions."""

from catalogue import search
from catalogue.extensions import db
from catalogue.models import Project
from catalogue.schemas import ProjectInputSchema
from catalogue.search.schema import META_ID
from catalogue.search.searching import run_search
from catalogue.search.store import IndexStore
from catalogue.search.suggestions import similar, suggest
from catalogue.services import change_status, update_project

from conftest import project_data

TOPICS = ["Bauhof", "Standesamt", "Klimaschutz", "Feuerwehr", "Tourismus"]
TOWNS = ["Arnsberg", "Birkenfeld", "Großpösna", "Heidenheim", "Eibenstock", "Musterstadt", "Beispieldorf"]
STATES = ["DE-NW", "DE-SN", "DE-BW", "DE-RP"]
QUERIES = [
    "",
    "Bauhof",
    "Verwaltung",
    "Klimaschutz -Bauhof",
    '"gemeinsamer Bauhof"',
    "Feuerwehr OR Tourismus",
    "Standesamd",  # a typo: similar terms
    "Grosspoesna",
]
SORTS = ["relevanz", "titel", "neueste", "seit"]
FILTERS = [{}, {"keywords": ["Verwaltung"]}, {"states": ["DE-NW", "DE-SN"], "since_from": 2005}]
PREFIXES = ["Ba", "Stadt", "kli", "Gross", "Verw"]


def store_of(app) -> IndexStore:
    return app.extensions["catalogue_search"]


def profile(number: int, **overrides) -> dict:
    topic, town, other = TOPICS[number % 5], TOWNS[number % 7], TOWNS[(number + 3) % 7]
    participants = [
        {
            "role": "lead",
            "organisation": {
                "name": f"Stadt {town}",
                "kind": "municipality",
                "state": STATES[number % 4],
                "district": f"Kreis {town}",
            },
        },
        {
            "role": "partner",
            "organisation": {
                "name": f"Gemeinde {other}",
                "kind": "municipality" if number % 3 else "association",
                "state": STATES[(number + 1) % 4],
                "district": f"Kreis {other}",
            },
        },
    ]
    data = {
        "title": f"Gemeinsamer {topic} {town} {number}",
        "summary": f"Ein gemeinsamer {topic} für {town} und {other}.",
        "keywords": [topic, "Verwaltung" if number % 2 else "Digitalisierung"],
        "participants": participants,
        "since_year": 1995 + 2 * (number % 15),
        "contacts": [],
        "updates": [],
    }
    data.update(overrides)
    return project_data(**data)


def answers(store: IndexStore, project_ids: list[int]) -> list:
    found = []
    for q in QUERIES:
        for sort in SORTS:
            for filters in FILTERS:
                for unpublished in (False, True):
                    for page in (1, 2):
                        result = run_search(store, q, filters, sort, page, 4, include_unpublished=unpublished)
                        snippets = {key: str(value) for key, value in result.snippets.items()}
                        found.append(
                            (q, sort, filters, unpublished, page)
                            + (result.ids, result.total, result.facets, snippets, result.suggestion, result.corrected)
                        )
    found += [suggest(store, prefix, limit=20) for prefix in PREFIXES]
    found += [similar(store, project_id) for project_id in project_ids[:4]]
    found.append(store.meta())
    return found


def snapshot_of(store: IndexStore):
    return store.snapshot(store.searcher())


def same_as_fresh(app, project_ids: list[int]) -> bool:
    """Compare the application's store with a new one; whether its generation was derived."""
    search.search_projects("Bauhof")  # catch up with the write, as the next request would
    store = store_of(app)
    derived = snapshot_of(store)
    fresh = IndexStore(store.root)
    built = snapshot_of(fresh)
    assert not built.derived
    assert derived.live == built.live and derived.published == built.published
    assert derived.values == built.values
    for sort in SORTS[1:]:
        assert derived.order(sort) == built.order(sort), sort
    assert answers(store, project_ids) == answers(fresh, project_ids)
    assert store.searcher().document(id=META_ID) == fresh.searcher().document(id=META_ID)
    return derived.derived


def retitle(project: Project, number: int, **overrides) -> None:
    data = ProjectInputSchema().load(profile(number, slug=project.slug, **overrides))
    assert update_project(project, data, "test").action == "updated"
    db.session.commit()


def write_base(make_project, count: int = 12) -> list[Project]:
    made = [make_project(**profile(number)) for number in range(count)]
    search.rebuild()  # one segment with every profile: the writes below add segments and delete in it
    return made


def test_derived_generations_answer_like_fresh_ones(app, make_project):
    made = write_base(make_project)
    ids = [project.id for project in made]
    store = store_of(app)
    answers(store, ids)  # warm: sort orders, suggestions and posting caches to derive from
    derived = []
    made.append(make_project(**profile(12, title="Gemeinsamer Bauhof Neuenrade")))
    derived.append(same_as_fresh(app, ids))
    retitle(made[1], 1, title="Gemeinsamer Bauhof Aachen", keywords=["Bauhof", "Klimaschutz"])
    derived.append(same_as_fresh(app, ids))
    change_status(made[2], "draft", "test")
    db.session.commit()
    derived.append(same_as_fresh(app, ids))
    change_status(made[3], "archived", "test")  # what DELETE does
    db.session.commit()
    derived.append(same_as_fresh(app, ids))
    for number in (13, 14, 15):  # more segments, until Whoosh merges them (then built from nothing)
        made.append(make_project(**profile(number, since_year=None)))
        derived.append(same_as_fresh(app, ids))
    retitle(made[-1], 15, title="Aaa Feuerwehr Großpösna", keywords=["Feuerwehr"])
    derived.append(same_as_fresh(app, ids))
    change_status(made[2], "published", "test")
    db.session.commit()
    derived.append(same_as_fresh(app, ids))
    assert derived[:4] == [True] * 4 and sum(derived) >= 6, derived


def test_a_write_reads_only_what_it_changed(app, make_project):
    made = write_base(make_project)
    store = store_of(app)
    for q in ["Bauhof", '"gemeinsamer Bauhof"', "Standesamd", "Verwaltung"]:
        search.search_projects(q)
    before = snapshot_of(store)
    (segment, leaf, _, _), *_ = before.segments
    decoded = store._segment_cache.decoded[segment]
    assert decoded > 0

    retitle(made[0], 0, title="Gemeinsamer Bauhof Neuenrade")  # a new segment, a deletion in the old one
    for q in ["Bauhof", '"gemeinsamer Bauhof"', "Standesamd", "Verwaltung"]:
        search.search_projects(q)
    after = snapshot_of(store)
    assert after is not before and after.derived
    assert after.segments[0][0] == segment
    # The unchanged segment's postings were not decoded again, its open files not opened again
    # (only its deletions are new); the new segment was read.
    assert store._segment_cache.decoded[segment] == decoded
    assert after.segments[0][1] is not leaf and after.segments[0][1]._terms is leaf._terms
    assert any(store._segment_cache.decoded[key] for key, *_ in after.segments[1:])
    first_size = before.segments[0][3]
    old = next(d for d in before.live if before.table[d]["id"] == made[0].id)
    assert old < first_size and old not in after.live
    assert [d for d in after.live if after.table[d]["id"] == made[0].id][0] >= first_size


def test_many_changes_build_the_generation_from_nothing(app, make_project):
    """More changes than half the catalogue (here: one profile, one more): no derivation."""
    made = write_base(make_project, 1)
    search.search_projects("Bauhof")
    make_project(**profile(20))
    search.search_projects("Bauhof")
    store = store_of(app)
    assert not snapshot_of(store).derived
    ids = [project.id for project in made]
    assert answers(store, ids) == answers(IndexStore(store.root), ids)
