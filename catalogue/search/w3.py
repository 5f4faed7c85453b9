"""Every use of Whoosh's private internals (the W3 codec of whoosh-reloaded) in one place.

The engine reads posting lists block by block and field lengths column by column, which Whoosh
offers only through private attributes of its W3 codec; its public matcher API decodes ids with
a Python generator, the most expensive part of a long posting list. Nothing else in the package
touches a name starting with an underscore of Whoosh's. ``missing_internals`` lists what an
installed Whoosh no longer has (tested in ``tests/search/test_package.py``), so that an upgrade fails
with names instead of an ``AttributeError`` in the middle of a search.
"""

from __future__ import annotations

import copy
from itertools import accumulate

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

__all__ = [
    "INT_SIZE",
    "block",
    "block_max_id",
    "length_codes",
    "missing_internals",
    "next_block",
    "open_reader",
    "term_matchers",
]

#: Bytes of the unsigned int Whoosh puts before an encoded posting value (the term's frequency).
INT_SIZE = _INT_SIZE
#: Field length of each stored length byte (Whoosh keeps lengths as one lossy byte).
LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]

#: The private attributes used below, on a leaf reader, a block matcher and a length column.
LEAF_ATTRIBUTES = ("_terms", "_text_to_bytes", "_perdoc")
MATCHER_ATTRIBUTES = (
    "_data",
    "_read_data",
    "_byteids",
    "_blocklength",
    "_values",
    "_read_values",
    "_maxid",
    "_next_block",
)
PERDOC_ATTRIBUTES = ("_cached_reader", "_segment")
#: The private attributes ``open_reader`` uses, on the index and on a segment reader.
INDEX_ATTRIBUTES = ("_read_toc",)
SEGMENT_READER_ATTRIBUTES = ("_segment", "_gen", "_perdoc")
COLUMN_ATTRIBUTES = ("_count", "_typecode", "_dbfile", "_basepos")


def block(matcher, offset: int, values: bool = False) -> tuple:
    """(document numbers, weights, values or None) of a W3 matcher's current block.

    One unpickling of the block's data tuple; the ids are delta-decoded with ``accumulate``
    (Whoosh's own decoder is a Python generator: most of the time of a long posting list)."""
    if matcher._data is None:
        matcher._read_data()
    ids, weights, raw = matcher._data
    if not matcher._byteids:
        ids = list(accumulate(ids, initial=offset))[1:]
    elif offset:
        ids = [offset + i for i in ids]
    count = matcher._blocklength
    if weights is None:
        weights = (1.0,) * count
    elif isinstance(weights, float):
        weights = (weights,) * count
    if values:
        if matcher._values is None:
            matcher._read_values()
        raw = matcher._values
    return ids, weights, raw if values else None


def block_max_id(matcher) -> int:
    """The highest document number (within its segment) of the matcher's current block."""
    return matcher._maxid


def next_block(matcher) -> None:
    """Move to the matcher's next block without decoding the current one."""
    matcher._next_block()


def term_matchers(leaves, field: str, term: str):
    """(document number offset, block matcher) of ``term`` in ``field``, per segment."""
    for leaf, offset in leaves:
        terms = getattr(leaf, "_terms", None)
        if terms is None:
            continue
        try:
            yield offset, terms.matcher(field, leaf._text_to_bytes(field, term), leaf.schema[field].format)
        except (TermNotFound, KeyError):
            continue


def length_codes(leaf, field: str):
    """The stored length bytes of ``field`` of one segment, or None when it has none."""
    perdoc = getattr(leaf, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc is not None else None
    if column is None:
        return None
    count = min(column._count, leaf.doc_count_all())
    if getattr(column, "_typecode", None) == "B":  # one byte per document: read them at once
        return column._dbfile.get(column._basepos, count)
    return [column[docnum] for docnum in range(count)]


def open_reader(ix, previous=None):
    """A reader of the index's latest generation that takes over the segment readers of
    ``previous`` (a reader of an earlier generation of the same index) for the segments both have.

    ``ix.reader()`` opens every segment again, and opening a segment copies each of its files out
    of the memory-mapped compound file (Whoosh's ``BufferFile`` reads it into a ``BytesIO``): the
    whole index after every write. Whoosh's own ``reader(reuse=...)`` keeps a reused segment's old
    deletions and closes the readers it does not reuse, which another thread may still be
    searching with. Here a segment reader is copied with the segment as the new table of contents
    has it (its deletions) and the new generation; the copies share the open files, and nothing
    closes readers (a dropped searcher's files close when the last user lets go of them)."""
    old = {}
    for leaf, _ in previous.leaf_readers() if previous is not None else ():
        if isinstance(leaf, SegmentReader):
            old[leaf.segment().segment_id()] = leaf
    for attempt in range(10):
        try:
            toc = ix._read_toc()
            readers = [
                _reused(old[segment.segment_id()], segment, toc.generation)
                if segment.segment_id() in old
                else SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
                for segment in toc.segments
            ]
        except OSError:  # a writer deleted a merged segment's file just now: read the new table
            if attempt == 9:
                raise
            continue
        if not readers:
            return EmptyReader(toc.schema)
        return readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)


def _reused(leaf, segment, generation):
    """A copy of a segment reader for the same segment with ``segment``'s deletions."""
    reader = copy.copy(leaf)
    # ``deleted_docs_set`` is a cached property (kept in the instance's dict): the old deletions
    # would filter Whoosh's own matchers (``searcher.document(id=...)``) if it were copied along.
    reader.__dict__.pop("deleted_docs_set", None)
    perdoc = copy.copy(leaf._perdoc)
    perdoc._segment = segment
    reader._perdoc, reader._segment, reader._gen = perdoc, segment, generation
    return reader


def missing_internals(searcher, field: str, term: str) -> list[str]:
    """Names of the private attributes this module uses that the installed Whoosh lacks, found
    on a real index (``term`` must occur in ``field`` of it). Empty when everything is there."""
    missing: list[str] = []
    index = getattr(searcher, "_ix", None)
    missing += [f"index {type(index).__name__}.{name}" for name in INDEX_ATTRIBUTES if not hasattr(index, name)]
    leaves = list(searcher.reader().leaf_readers())
    if not leaves:
        return ["reader.leaf_readers() (no segment to inspect)"]
    leaf = leaves[0][0]
    missing += [
        f"leaf reader {type(leaf).__name__}.{name}"
        for name in LEAF_ATTRIBUTES + SEGMENT_READER_ATTRIBUTES
        if not hasattr(leaf, name)
    ]
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is not None:
        missing += [
            f"per-document reader {type(perdoc).__name__}.{name}"
            for name in PERDOC_ATTRIBUTES
            if not hasattr(perdoc, name)
        ]
        column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if hasattr(perdoc, "_cached_reader") else None
        if column is None:
            missing.append(f"length column of field {field!r}")
        else:
            # _typecode exists only on fixed-width columns; the others are read value by value.
            missing += [
                f"length column {type(column).__name__}.{name}"
                for name in COLUMN_ATTRIBUTES
                if name != "_typecode" and not hasattr(column, name)
            ]
    if not all(hasattr(leaf, name) for name in ("_terms", "_text_to_bytes")):
        return missing
    matchers = list(term_matchers(leaves[:1], field, term))
    if not matchers:
        return missing + [f"a matcher for {term!r} in {field!r}"]
    matcher = matchers[0][1]
    missing += [
        f"block matcher {type(matcher).__name__}.{name}" for name in MATCHER_ATTRIBUTES if not hasattr(matcher, name)
    ]
    return missing
