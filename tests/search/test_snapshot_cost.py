"""A generation's facet data costs in proportion to its live documents.

``Snapshot._value_index`` once created, for every live document and every facet, a list as
long as the index's document numbers (``setdefault(name, [()] * doc_count)`` evaluates its
default each time) and threw it away: quadratic in the catalogue, 13 s at 40 000 profiles after
every write. Time is not asserted here; memory is deterministic: an index with many document
numbers (deleted documents keep theirs until a merge) and a few live documents must not make
the snapshot allocate catalogue-sized lists per document."""

import tracemalloc

from whoosh.query import Prefix

from catalogue.search.engine import Snapshot
from catalogue.search.schema import INDEX_VERSION, META_ID, write_document
from catalogue.search.store import IndexStore

DELETED = 40_000


def _record(number: int) -> dict:
    return {
        "id": number,
        "slug": f"p{number}",
        "status": "published",
        "title": f"Bauhof {number}",
        "summary": "Gemeinsamer Bauhof.",
        "body": "",
        "keywords": ["Bauhof", f"Stichwort {number}"],
        "organisations": [f"Stadt {number}"],
        "states": ["DE-NW"],
        "districts": [f"Kreis {number}"],
        "kinds": ["municipality"],
        "legal_form": "Zweckverband",
        "since_year": 2000 + number,
        "updated": 1.7e9,
    }


def test_snapshot_allocates_per_live_document_not_per_document_number(tmp_path):
    store = IndexStore(tmp_path / "index")
    name, ix = store.new_generation()
    writer = ix.writer()
    for number in range(1, 6):
        write_document(writer, _record(number), update=False)
    for number in range(DELETED):
        writer.add_document(id=f"gone-{number}")
    writer.add_document(id=META_ID, meta={"seq": 0, "fingerprint": "", "version": INDEX_VERSION})
    writer.commit()
    writer = ix.writer()
    writer.delete_by_query(Prefix("id", "gone-"))
    writer.commit(merge=False)  # the deleted documents keep their numbers
    store.swap(name)
    searcher = store.searcher()
    assert searcher.reader().doc_count_all() > DELETED
    table = store.facet_table(searcher)

    tracemalloc.start()
    try:
        snapshot = Snapshot(searcher, table)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One list of DELETED pointers is 320 kB; the quadratic build made 30 of them.
    assert peak < 200_000, f"snapshot of 5 live documents allocated {peak} bytes"
    assert sorted(snapshot.values["district"]) == [f"Kreis {n}" for n in range(1, 6)]
    assert len(snapshot.live) == 5
