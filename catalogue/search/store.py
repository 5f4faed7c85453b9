"""The index folder: generations swapped atomically, one shared searcher, cached facet data."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError  # noqa: F401  (re-exported for the sync module)
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock

from .engine import SegmentCache, Snapshot
from .schema import INDEX_VERSION, META_ID, build_schema
from .w3 import open_reader

POINTER = "CURRENT"
BUILD_LOCK = "BUILD_LOCK"


class IndexStore:
    """One machine's index: ``root/CURRENT`` names the generation folder in use, so a rebuild
    writes a new folder and swaps it in with one atomic rename while searches keep answering."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._lock = threading.RLock()
        self._opened: tuple[str, object] | None = None  # (generation, FileIndex)
        self._searcher = None
        self._facets: tuple[object, list] | None = None
        self._segment_records: dict[str, list] = {}  # segment id -> facet record per document
        #: what is read from single segments (decoded postings, positions, lengths), across generations
        self._segment_cache = SegmentCache()
        self._snapshot = None
        self._meta: tuple[object, dict] | None = None  # (searcher, its meta document)
        self.last_check = 0.0
        #: the background catch-up thread of this process (see sync), if one was started
        self.background: threading.Thread | None = None
        self.background_lock = threading.Lock()
        self._build_lock = threading.RLock()
        self._build_depth = 0
        self._build_file: FileLock | None = None

    # ---------------------------------------------------------------- generations

    def current_generation(self) -> str | None:
        """The generation named by the pointer file, if any."""
        try:
            return (self.root / POINTER).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    @contextmanager
    def build_lock(self):
        """Exclusive across processes (and threads): building and swapping in a generation.
        Without it, workers starting together on a missing folder each build one, and each
        swap deletes the folders the others are still writing. Re-entrant within a thread."""
        with self._build_lock:
            if self._build_depth == 0:
                self.root.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(self.root / BUILD_LOCK))
                lock.acquire(blocking=True)
                self._build_file = lock
            self._build_depth += 1
            try:
                yield
            finally:
                self._build_depth -= 1
                if self._build_depth == 0:
                    self._build_file.release()
                    self._build_file = None

    def new_generation(self):
        """A fresh, empty index in a new folder (not yet in use)."""
        name = f"gen-{uuid.uuid4().hex[:12]}"
        path = self.root / name
        path.mkdir(parents=True)
        return name, whoosh_index.create_in(str(path), build_schema())

    def swap(self, name: str) -> None:
        """Point readers and writers at ``name``; keep the previous generation for searches
        still running on it in other processes, delete older ones."""
        previous = self.current_generation()
        tmp = self.root / f"{POINTER}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, self.root / POINTER)
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("gen-") and child.name not in (name, previous):
                shutil.rmtree(child, ignore_errors=True)

    def index(self):
        """The index of the current generation (opened once per generation)."""
        name = self.current_generation()
        if name is None:
            raise whoosh_index.EmptyIndexError(f"no index in {self.root}")
        with self._lock:
            if self._opened is None or self._opened[0] != name:
                self._opened = (name, whoosh_index.open_dir(str(self.root / name)))
                self._searcher = None
            return self._opened[1]

    def check(self) -> None:
        """Open the current generation and read it once: raises if it is missing, corrupt or
        made by an older version of the analysis (its documents would not match new queries)."""
        ix = self.index()
        with ix.searcher() as searcher:
            version = self.meta(searcher).get("version", 1)
            if version != INDEX_VERSION:
                raise ValueError(f"index version {version}, expected {INDEX_VERSION}")
            reader = searcher.reader()
            if reader.doc_count_all():
                self.facet_table(searcher)

    # ---------------------------------------------------------------- reading

    def searcher(self):
        """The shared searcher, reopened only when a commit or swap made a new generation.

        Not ``refresh()``: it may close readers that another thread is still using; an old
        searcher is simply dropped and closes when its last user lets go of it. The segments
        the new generation shares with the old one keep their open readers (``w3.open_reader``)."""
        ix = self.index()
        with self._lock:
            current = self._searcher
            if current is None or ix.latest_generation() != current.reader().generation():
                previous = current.reader() if current is not None else None
                self._searcher = Searcher(open_reader(ix, previous), fromindex=ix)
            return self._searcher

    def facet_table(self, searcher) -> list:
        """Per document number: the facet record (or None), cached per searcher generation."""
        with self._lock:
            if self._facets is not None and self._facets[0] is searcher:
                return self._facets[1]
        reader = searcher.reader()
        table: list = [None] * reader.doc_count_all()
        # Segment by segment: a segment without any column value (only the meta document)
        # would otherwise shift every later document number of a multi-segment reader.
        # A write adds a segment and leaves the others as they were (segments never change, only
        # their deletions): their records are reused, not unpickled again.
        known, seen = self._segment_records, {}
        for leaf, offset in reader.leaf_readers():
            if not leaf.has_column("facets"):
                continue
            segment = leaf.segment().segment_id() if hasattr(leaf, "segment") else None
            records = known.get(segment) if segment is not None else None
            if records is None:
                column = leaf.column_reader("facets")
                records = [column[docnum] for docnum in range(leaf.doc_count_all())]
            if segment is not None:
                seen[segment] = records
            if leaf.has_deletions():
                records = list(records)
                for docnum in leaf.segment().deleted_docs():
                    if docnum < len(records):
                        records[docnum] = None
            table[offset : offset + len(records)] = records
        with self._lock:
            self._facets = (searcher, table)
            self._segment_records = seen  # only the segments still in use
        return table

    def snapshot(self, searcher):
        """Facet sets, sort orders and posting caches of this searcher's generation, derived
        from the previous generation's where few documents changed."""
        current = self._snapshot
        if current is not None and current.searcher is searcher:
            return current
        table = self.facet_table(searcher)
        with self._lock:
            if self._snapshot is None or self._snapshot.searcher is not searcher:
                self._snapshot = Snapshot(searcher, table, previous=self._snapshot, cache=self._segment_cache)
            return self._snapshot

    def meta(self, searcher=None) -> dict:
        """What the index has applied: {"seq": n, "fingerprint": "..."}; for the shared searcher
        read once per generation (every cached page asks)."""
        if searcher is not None:
            return self._read_meta(searcher)
        searcher = self.searcher()
        found = self._meta
        if found is None or found[0] is not searcher:
            found = (searcher, self._read_meta(searcher))
            self._meta = found
        return found[1]

    @staticmethod
    def _read_meta(searcher) -> dict:
        stored = searcher.document(id=META_ID)
        return (stored or {}).get("meta") or {"seq": 0, "fingerprint": ""}
