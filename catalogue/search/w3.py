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
import heapq
from array import array
from itertools import accumulate, groupby

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.formats import Frequency, Positions
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

__all__ = [
    "INT_SIZE",
    "BulkWriter",
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


class BulkWriter(SegmentWriter):
    """A segment writer for many documents at once (a rebuild, a large catch-up) that writes
    the segment Whoosh's ``SegmentWriter`` writes, byte for byte, several times faster.

    Whoosh analyses every field value through the analyzer's token stream, puts each posting as a
    tuple into a pool that it sorts (on disk beyond ``limitmb``), and at commit looks up every
    posting's field length in the length column again and adds the postings one by one, with
    type checks, to the posting blocks. Here the text fields are analysed by the memoised
    functions of ``analysis.index_function`` (each distinct word once per process), the postings
    are kept per field and term in arrays (document numbers only grow, so a term's list is sorted
    when it is built), the field lengths of each document are kept as the length column will
    hold them, and each block of a posting list is handed to Whoosh's block writer whole. The
    files, blocks and statistics are Whoosh's own (tests/search/test_bulk.py compares the files
    of segments written both ways).

    Deletions (``delete_by_term``, ``update_document``) and the merge policy work as in Whoosh:
    merged segments go through Whoosh's pool, and their postings follow the added ones. Fields
    with separate spelling or term vectors are not supported (the schema has none)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        #: field name -> term bytes -> (document numbers, weights, encoded values)
        self._bulk_postings: dict[str, dict[bytes, tuple]] = {}
        #: field name -> document number -> the length a posting's block statistics see
        self._bulk_lengths: dict[str, dict[int, int]] = {}
        self._analysers: dict[str, object] = {}

    def add_document(self, **fields):
        # Whoosh's SegmentWriter.add_document, with the postings kept here instead of in the pool.
        self._check_state()
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdoc.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if field.separate_spelling() or field.vector:
                    raise NotImplementedError(f"BulkWriter: field {fieldname!r} has spelling or vectors")
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    length = self._add_postings(fieldname, field, value, docnum, fieldboost)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdoc.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdoc.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_postings(self, fieldname, field, value, docnum, fieldboost) -> int:
        """Add one field value's postings; returns the field length Whoosh would store."""
        postings = self._bulk_postings.setdefault(fieldname, {})
        length = 0
        scorable = field.scorable
        for tbytes, freq, weight, vbytes in self._items(fieldname, field, value):
            if scorable:
                length += freq
            entry = postings.get(tbytes)
            if entry is None:
                entry = postings[tbytes] = (array("I"), array("d"), [])
            entry[0].append(docnum)
            entry[1].append(weight * fieldboost)
            entry[2].append(vbytes or b"")
        # What the length column gives back for this document (lossy, one byte; 0 -> none).
        code = length_to_byte(length)
        if code:
            self._bulk_lengths.setdefault(fieldname, {})[docnum] = byte_to_length(code)
        return length

    def _items(self, fieldname, field, value):
        """(term bytes, frequency, weight, encoded value) of each term, as ``field.index`` gives them."""
        analyser = self._analysers.get(fieldname)
        if analyser is None:
            analyser = self._analysers[fieldname] = _Analyser.of(field)
        return analyser(value) if analyser else field.index(value)

    def _flush_segment(self):
        # Whoosh's _flush_segment hands the sorted pool to ``add_postings``. The pool here holds
        # only the postings of segments merged into this one (numbered after the added
        # documents): each term's list is ours followed by the pool's.
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        fieldwriter, ours, pooled = self.fieldwriter, self._bulk_postings, self._pooled(reader)
        keys = heapq.merge(((name, tbytes) for name in sorted(ours) for tbytes in sorted(ours[name])), pooled)
        current = None
        for key, group in groupby(keys, key=lambda item: item[:2]):
            fieldname, tbytes = key
            if fieldname != current:
                if current is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, self.schema[fieldname])
                current = fieldname
            docnums, weights, values = ours.get(fieldname, {}).get(tbytes) or (array("I"), array("d"), [])
            for item in group:
                if len(item) > 2:  # from the pool
                    docnums.append(item[2])
                    weights.append(item[3])
                    values.append(item[4])
            _write_postings(fieldwriter, tbytes, docnums, weights, values, self._bulk_lengths.get(fieldname, {}))
        if current is not None:
            fieldwriter.finish_field()
        ours.clear()
        fieldwriter.close()
        if reader is not None:
            reader.close()

    def _pooled(self, reader):
        """The pool's postings as (field, term, document, weight, value), each document's field
        length noted as Whoosh's ``add_postings`` would look it up."""
        for fieldname, tbytes, docnum, weight, value in self.pool.iter_postings():
            if reader is not None:
                length = reader.doc_field_length(docnum, fieldname)
                if length:
                    self._bulk_lengths.setdefault(fieldname, {})[docnum] = length
            yield fieldname, tbytes, docnum, weight, value if value is not None else b""


class _Analyser:
    """The memoised index-time analysis of a text field, giving what ``field.index`` gives."""

    @classmethod
    def of(cls, field):
        from .analysis import index_function  # the analysis module imports this one

        found = index_function(getattr(field, "analyzer", None))
        fmt = field.format
        if found is None or fmt is None:
            return False
        kind, function = found
        # Only formats whose word_values are Whoosh's Positions' or Frequency's (PhrasePositions
        # changes the encoding only); anything else goes through ``field.index``.
        expected = Positions.word_values if kind == "positions" else Frequency.word_values
        if type(fmt).word_values is not expected:
            return False
        return cls(kind, function, fmt)

    def __init__(self, kind, function, fmt):
        self.kind, self.function, self.format = kind, function, fmt
        self.boost = fmt.field_boost
        self._terms: dict[str, bytes] = {}
        self._single: dict[int, bytes] = {}  # the encoded value of one position (most postings)

    def __call__(self, value):
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        terms, boost = self._terms, self.boost
        if self.kind == "counts":
            for term, freq in self.function(value).items():
                tbytes = terms.get(term) or terms.setdefault(term, term.encode("utf-8"))
                yield tbytes, freq, float(freq) * boost, pack_uint(freq)
            return
        encode, single = self.format.encode, self._single
        for term, positions in self.function(value).items():
            tbytes = terms.get(term) or terms.setdefault(term, term.encode("utf-8"))
            count = len(positions)
            if count == 1:
                pos = positions[0]
                encoded = single.get(pos) or single.setdefault(pos, encode(positions))
            else:
                encoded = encode(positions)
            yield tbytes, count, float(count) * boost, encoded


def _write_postings(fieldwriter, tbytes, docnums, weights, values, lengths) -> None:
    """One term's posting list through Whoosh's block writer, a block at a time (what
    ``add_posting`` would have gathered in that block, then its own ``_write_block``)."""
    fieldwriter.start_term(tbytes)
    postings = fieldwriter._postwriter
    limit, count = postings._blocklimit, len(docnums)
    for start in range(0, count, limit):
        end = min(start + limit, count)
        ids = docnums[start:end]
        block_weights = weights[start:end]
        postings._ids = ids
        postings._weights = array("f", block_weights)
        # Distinct objects, as Whoosh has them: pickle would write a repeated one (the memoised
        # value of a single position) as a reference, and the file would differ from Whoosh's.
        postings._values = [bytes(memoryview(value)) for value in values[start:end] if value]
        postings._maxweight = max(0, max(block_weights))
        block_lengths = [length for length in map(lengths.get, ids) if length]
        postings._minlength = min(block_lengths) if block_lengths else None
        postings._maxlength = max(block_lengths, default=0)
        if end < count:
            postings._write_block()
    fieldwriter.finish_term()


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
