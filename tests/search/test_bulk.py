"""The bulk writer (rebuilds, large catch-ups) writes the segment Whoosh's own writer writes.

Its memoised analysis must give the analyzers' terms at the analyzers' positions, and its
posting lists Whoosh's blocks: both are held to it by writing the same documents both ways and
comparing the segment files byte for byte (terms, posting blocks with their statistics, field
lengths, stored fields, facet columns), also when deletions and a merge of small segments come
into the same commit."""

import random

import pytest
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Project
from catalogue.search import analysis
from catalogue.search.schema import INDEX_VERSION, build_schema, project_record, write_document
from catalogue.search.store import IndexStore
from catalogue.search.sync import _load_projects
from catalogue.search.w3 import BulkWriter

#: Words that exercise every step: stop words first and between, hyphenated words (with stop
#: words and single letters as pieces), compounds, place names with endings, umlauts and ß,
#: apostrophes and dots inside words, digits, the same term from a word and its part.
WORDS = (
    "Die der und dass daß Stadt-und-Land E-Government Nordrhein-Westfalen Westfeld-Hochheide "
    "Kommunalverwaltung Digitalisierungsnetzwerk Hochwasserkrise Verwaltung Verwaltungs-Verwaltung "
    "Birkenfeld Birkenfelder Stockstadt Heidenheimer Verbandsgemeinde Großpösna Grosspoesna Städte "
    "Kooperationen Wirtschaftsförderung Abwasserzweckverband z.B. O'Brien 3.141 2024 Straße ÄÖÜ "
    "Klärschlammverwertung Feuerwehr-Feuerwehrhaus Schul-Sozialarbeit Kindertagesstätten über für"
).split()
TOWNS = ["Birkenfeld", "Stockstadt", "Heidenheim", "Großpösna", "Arnsberg", "Eibenstock"]


def synthetic(count: int, start: int = 1, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)

    def text(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k)) + rng.choice([".", "", " - und", "\n\nder"])

    records = []
    for number in range(start, start + count):
        towns = rng.sample(TOWNS, 2)
        records.append(
            {
                "id": number,
                "slug": f"p{number}",
                "status": rng.choice(["published", "draft"]),
                "title": f"{text(3)} {towns[0]}",
                "summary": text(20) if number % 5 else "",
                "body": text(rng.randint(0, 120)),
                "keywords": rng.sample(["Abwasser", "Kläranlage", "E-Government", "Schule"], 2),
                "organisations": [f"Stadt {towns[0]}", f"Verbandsgemeinde {towns[1]}"],
                "states": ["DE-RP"],
                "districts": [f"Landkreis {towns[1]}"],
                "places": [f"Stadt {towns[0]}"] if number % 3 else None,
                "kinds": ["municipality"],
                "legal_form": "Zweckverband",
                "since_year": 2000 + number % 20,
                "updated": 1.7e9 + number,
            }
        )
    return [{key: value for key, value in record.items() if value is not None} for record in records]


def meta(seq: int) -> dict:
    return {"id": "meta", "meta": {"seq": seq, "fingerprint": "", "version": INDEX_VERSION}}


def segment_files(ix, segment) -> dict[str, bytes]:
    """The files of one segment by extension, with their content."""
    storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    prefix = segment.make_filename("")
    names = [name for name in storage.list() if name.startswith(prefix)]
    return {name[len(prefix) :]: bytes(storage.open_file(name).read()) for name in names}


def written(folder, batches: list[tuple[bool, list[dict], list[int]]]):
    """Commit each batch (bulk writer or Whoosh's, records to write, ids to delete first)
    with a writer of its own; the index."""
    name, ix = IndexStore(folder).new_generation()
    for bulk, records, deletions in batches:
        writer = BulkWriter(ix) if bulk else ix.writer()
        for number in deletions:
            writer.delete_by_term("id", str(number))
        try:
            for record in records:
                if "meta" in record:
                    (writer.update_document if deletions else writer.add_document)(**record)
                else:
                    write_document(writer, record, update=bool(deletions))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return ix


def assert_same_segments(whoosh_ix, bulk_ix):
    whoosh_segments = whoosh_ix._read_toc().segments
    bulk_segments = bulk_ix._read_toc().segments
    assert [s.doc_count_all() for s in whoosh_segments] == [s.doc_count_all() for s in bulk_segments]
    for ours, theirs in zip(whoosh_segments, bulk_segments):
        assert sorted(ours.deleted_docs()) == sorted(theirs.deleted_docs())
        expected, got = segment_files(whoosh_ix, ours), segment_files(bulk_ix, theirs)
        assert sorted(expected) == sorted(got)
        for extension in expected:
            assert expected[extension] == got[extension], f"{extension} differs"


def test_memoised_analysis_gives_the_analyzers_terms_and_positions():
    schema = build_schema()
    for record in synthetic(60):
        whole = analysis.place_words(tuple(record.get("places", record["organisations"] + record["districts"])))
        for text in (record["title"], record["body"], "der Stadt " + record["summary"], ""):
            for name in ("title", "orgs", "spell"):
                field = schema[name]
                kind, function = analysis.index_function(field.analyzer)
                with analysis.kept_whole(whole):
                    expected = {}
                    for token in field.analyzer(text, positions=True, mode="index"):
                        expected.setdefault(token.text, []).append(token.pos)
                    got = function(text)
                if kind == "counts":
                    expected = {term: len(positions) for term, positions in expected.items()}
                assert got == expected


def test_a_bulk_segment_is_the_segment_whoosh_writes(tmp_path, seeded, app):
    with app.app_context():
        ids = list(db.session.scalars(select(Project.id)))
        records = [project_record(p) for p in _load_projects(db.session, ids).values()]
    records += synthetic(150, start=1000) + [meta(7)]
    whoosh_ix = written(tmp_path / "whoosh", [(False, records, [])])
    assert_same_segments(whoosh_ix, written(tmp_path / "bulk", [(True, records, [])]))


def test_deletions_and_merged_segments_in_a_bulk_commit(tmp_path):
    """Five small commits by Whoosh's writer, then one batch that replaces some of their
    documents, deletes one and adds new ones: Whoosh merges the small segments into the new
    one, whose postings then follow the batch's own."""
    small = [(False, synthetic(2, start=10 * n, seed=n), []) for n in range(1, 6)]
    batch = synthetic(40, start=20, seed=9) + [meta(9)]  # 20 and 21 replace documents of the second commit
    whoosh_ix = written(tmp_path / "whoosh", small + [(False, batch, [20, 21, 50])])
    bulk_ix = written(tmp_path / "bulk", small + [(True, batch, [20, 21, 50])])
    assert len(bulk_ix._read_toc().segments) == 1  # the small ones were merged into the new one
    assert_same_segments(whoosh_ix, bulk_ix)


@pytest.mark.parametrize("field", ["body", "orgs", "spell"])
def test_the_bulk_writer_analyses_each_field_of_the_schema_itself(field):
    """Otherwise a changed analyzer would silently fall back to Whoosh's (and its speed)."""
    assert analysis.index_function(build_schema()[field].analyzer) is not None
