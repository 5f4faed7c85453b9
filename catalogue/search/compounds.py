"""compound-split's German n-gram tables in a compact, shared form, loaded on first use.

compound-split ships its tables as Python dict literals: importing them costs every process
about 6 s and 360 MB (and ``compound_split.char_split`` imports a Dutch table too). Only
processes that analyse text for the index or for snippets need them, so this module converts the
German tables once into a file (an open-addressing hash table of the 1.9 million n-grams) that
every process maps read-only: opening it is instantaneous, and the pages are shared between
processes through the page cache.

``best_split`` scores split points exactly as ``compound_split.char_split.split_compound`` does
with the same tables (the golden test in tests/search/test_compound_golden.py holds it to the
library's results).

Where the file lives: ``CATALOGUE_COMPOUND_TABLE`` (a file path), else
``$XDG_CACHE_HOME/ikz-katalog/`` (``~/.cache/ikz-katalog/``). The name carries the library's
version and the size of its table module, so an upgrade builds a new file. Build it ahead with
``python -c "from catalogue.search.compounds import table; table()"`` (``make setup`` does); otherwise the first process that
needs it builds it (about 10 s) while the others wait for it.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
import threading
from array import array
from importlib import metadata, util
from pathlib import Path
from zlib import crc32

log = logging.getLogger(__name__)

#: Bump when the file layout changes: the file name carries it, so old files are not read.
FORMAT = 1
_MAGIC = b"IKZNGRAM"
# magic, format, slot count (a power of two), value count, offset of the slots, offset of the keys
_HEADER = struct.Struct("=8sIIIQQ")  # native order: the file is a local cache
#: One tag byte per table in front of each key, so the three tables share one hash table.
_PREFIX, _INFIX, _SUFFIX = b"p", b"i", b"s"


class NgramTable:
    """The three tables of one language, read from the mapped file."""

    def __init__(self, path: Path):
        with open(path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, version, slots, values, slots_at, keys_at = _HEADER.unpack_from(self._map)
        if magic != _MAGIC or version != FORMAT:
            raise ValueError(f"{path} is not a compound table of format {FORMAT}")
        view = memoryview(self._map)
        self._values = view[_HEADER.size : _HEADER.size + 8 * values].cast("d")
        # Each slot is two 32-bit numbers: the key's CRC-32 and 1 + the key's offset (0: empty).
        self._slots = view[slots_at : slots_at + 8 * slots].cast("I")
        self._keys = self._map
        self._keys_at = keys_at
        self._mask = slots - 1

    def release(self) -> None:
        """Unmap the pages this process has read (they stay in the page cache for the others)."""
        self._map.madvise(mmap.MADV_DONTNEED)

    def get(self, tag: bytes, key: str, default):
        """The table's value for ``key``, or ``default``."""
        wanted = tag + key.encode()
        code = crc32(wanted)
        slot, slots = code & self._mask, self._slots
        while True:
            offset = slots[2 * slot + 1]
            if not offset:
                return default
            if slots[2 * slot] == code:
                start = self._keys_at + offset - 1
                end = start + 1 + self._keys[start]
                if self._keys[start + 1 : end] == wanted:
                    return self._values[self._keys[end] | self._keys[end + 1] << 8]
            slot = (slot + 1) & self._mask


class DictTable:
    """The library's own dicts, for a process that cannot write the file (slow to load)."""

    def __init__(self, module):
        self._tables = {_PREFIX: module.prefix, _INFIX: module.infix, _SUFFIX: module.suffix}

    def get(self, tag: bytes, key: str, default):
        return self._tables[tag].get(key, default)

    def release(self) -> None:
        """Nothing to give back: the dicts are the process's own memory."""


def _library_tables():
    """compound-split's German tables (its module, without char_split's Dutch import)."""
    from compound_split import de_ngram_probs

    return de_ngram_probs


def _source_identity() -> str:
    spec = util.find_spec("compound_split.de_ngram_probs")
    size = os.stat(spec.origin).st_size if spec and spec.origin else 0
    return f"{metadata.version('compound-split')}-{size}"


def table_path() -> Path:
    """Where this installation's table file is (or will be) kept."""
    configured = os.environ.get("CATALOGUE_COMPOUND_TABLE")
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ikz-katalog" / f"compound-split-de-{_source_identity()}-f{FORMAT}.bin"


def write_table(path: Path, module=None) -> None:
    """Convert the library's German tables into the file at ``path`` (atomically)."""
    module = module or _library_tables()
    entries = [
        (tag + key.encode(), value)
        for tag, table in ((_PREFIX, module.prefix), (_INFIX, module.infix), (_SUFFIX, module.suffix))
        for key, value in table.items()
    ]
    values = sorted({value for _, value in entries})
    if len(values) > 0xFFFF:
        raise ValueError("too many distinct values for two-byte indexes")
    value_index = {value: index for index, value in enumerate(values)}
    slot_count = 1 << max(4, (2 * len(entries) - 1).bit_length())  # at most half full
    mask = slot_count - 1
    slots = array("I", bytes(8 * slot_count))
    keys = bytearray()
    for key, value in entries:
        code = crc32(key)
        slot = code & mask
        while slots[2 * slot + 1]:
            slot = (slot + 1) & mask
        slots[2 * slot], slots[2 * slot + 1] = code, len(keys) + 1
        index = value_index[value]
        keys += bytes((len(key),)) + key + bytes((index & 0xFF, index >> 8))
    slots_at = _HEADER.size + 8 * len(values)
    keys_at = slots_at + 8 * slot_count
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with open(partial, "wb") as file:
        file.write(_HEADER.pack(_MAGIC, FORMAT, slot_count, len(values), slots_at, keys_at))
        file.write(array("d", values).tobytes())
        file.write(slots.tobytes())
        file.write(keys)
    os.replace(partial, path)


def _open_or_build() -> NgramTable | DictTable:
    path = table_path()
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Processes starting together: one converts, the others wait and map its file.
            with open(path.with_name(path.name + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not path.exists():
                    log.info("converting compound-split's tables into %s", path)
                    write_table(path)
        return NgramTable(path)
    except OSError as error:
        log.warning("compound table %s unusable (%s): using compound-split's tables in memory", path, error)
        return DictTable(_library_tables())


_table: NgramTable | DictTable | None = None
_table_lock = threading.Lock()
# Whether a split has read the table since the last release(): most requests split nothing
# (cached pages, lists, words memoised by the analyzer), and they need not unmap anything.
_read_since_release = False


def table() -> NgramTable | DictTable:
    """The German tables, opened (or built) on first use."""
    global _table
    if _table is None:
        with _table_lock:
            if _table is None:
                _table = _open_or_build()
    return _table


def release() -> None:
    """Give the table's pages back to the page cache, if this process has the table open.

    A serving worker splits words now and then (the words of its snippets, a profile indexed
    after a write), and one split reads n-grams all over the file: the kernel maps the file in
    folios of up to 2 MB, so after its first search a worker kept 54 of the table's 58 MB in
    its resident set for good (shared pages, but counted in every worker's RSS). The search
    package calls this after each request; the next split maps what it reads again (minor
    faults: no disk read while the file is cached, and split words are memoised anyway)."""
    global _read_since_release
    if _table is not None and _read_since_release:
        _read_since_release = False
        _table.release()


def _without_linking_s(piece: str) -> str:
    """compound-split drops a linking s after t, g, k, hl and n (Verwaltungs → Verwaltung)."""
    if piece.endswith(("ts", "gs", "ks", "hls", "ns")) and len(piece) > 3:
        return piece[:-1]
    return piece


def best_split(word: str) -> tuple[float, str, str]:
    """The best (score, Head, Tail) of ``word``: what ``split_compound(word)[0]`` gives.

    Each split point n scores how likely the head ends a word (suffix table), the tail starts
    one (prefix table), minus how likely any n-gram at the split point's start lies inside a
    word (infix table); unknown n-grams count -1, -1 and 1."""
    global _read_since_release
    ngrams = table()
    _read_since_release = True
    word = word.lower()
    if "-" in word:  # the library splits at the last hyphen, with full confidence
        cut = word.rfind("-")
        return (1.0, word[:cut].title(), word[cut + 1 :].title())
    best = None
    length = len(word)
    for n in range(3, length - 2):
        head_end = ngrams.get(_SUFFIX, _without_linking_s(word[:n]), -1)
        tail_start = ngrams.get(_PREFIX, _without_linking_s(word[n:]), -1)
        inside = min(ngrams.get(_INFIX, word[n:k], 1) for k in range(length, n + 2, -1))
        candidate = (tail_start - inside + head_end, word[:n].title(), word[n:].title())
        if best is None or candidate > best:
            best = candidate
    return best if best is not None else (0, word.title(), word.title())
