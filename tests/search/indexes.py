"""An index generation built straight from search records (no database), for the search tests
that compare the engine's shortcuts with Whoosh's own answers."""

from __future__ import annotations

from catalogue.search.schema import INDEX_VERSION, META_ID, write_document
from catalogue.search.store import IndexStore


def built_store(folder, records, *, meta: bool = True) -> IndexStore:
    """A store whose current generation holds ``records`` (and the meta document that a real
    build writes, unless ``meta`` is false), in one segment."""
    store = IndexStore(folder)
    name, ix = store.new_generation()
    writer = ix.writer()
    for made in records:
        write_document(writer, made, update=False)
    if meta:
        writer.add_document(id=META_ID, meta={"seq": 0, "fingerprint": "", "version": INDEX_VERSION})
    writer.commit()
    store.swap(name)
    return store
