"""Every use of Whoosh's private internals (the W3 codec of whoosh-reloaded) in one place.

The engine reads posting lists block by block and field lengths column by column, which Whoosh
offers only through private attributes of its W3 codec; its public matcher API decodes ids with
a Python generator, the most expensive part of a long posting list. Nothing else in the package
touches a name starting with an underscore of Whoosh's. ``missing_internals`` lists what an
installed Whoosh no longer has (tested in ``tests/search/test_package.py``), so that an upgrade fails
with names instead of an ``AttributeError`` in the middle of a search.
"""

from __future__ import annotations

from itertools import accumulate

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

__all__ = ["INT_SIZE", "block", "block_max_id", "length_codes", "missing_internals", "next_block", "term_matchers"]

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
PERDOC_ATTRIBUTES = ("_cached_reader",)
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


def missing_internals(searcher, field: str, term: str) -> list[str]:
    """Names of the private attributes this module uses that the installed Whoosh lacks, found
    on a real index (``term`` must occur in ``field`` of it). Empty when everything is there."""
    missing: list[str] = []
    leaves = list(searcher.reader().leaf_readers())
    if not leaves:
        return ["reader.leaf_readers() (no segment to inspect)"]
    leaf = leaves[0][0]
    missing += [f"leaf reader {type(leaf).__name__}.{name}" for name in LEAF_ATTRIBUTES if not hasattr(leaf, name)]
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
