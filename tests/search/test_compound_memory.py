"""A worker does not keep compound-split's table in its resident set after a request (issue 15:
at most 120 MB per worker after warm-up; one split used to leave 54 MB of the file mapped)."""

from __future__ import annotations

from pathlib import Path

from catalogue.search.compounds import NgramTable, best_split, table, table_path


def table_resident_kb() -> int:
    """Resident kB of this process's mappings of the table file (/proc/self/smaps)."""
    path, resident, inside = str(table_path()), 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if "-" in line.split(" ", 1)[0]:  # a mapping's header line: address range, …, path
            inside = line.endswith(path)
        elif inside and line.startswith("Rss:"):
            resident += int(line.split()[1])
    return resident


def test_a_request_that_split_words_leaves_the_table_unmapped(app):
    assert isinstance(table(), NgramTable)
    with app.test_request_context("/suche?q=Verwaltung"):
        assert best_split("Kommunalverwaltung")[1:] == ("Kommunal", "Verwaltung")
        assert table_resident_kb() > 0  # reading the table maps its pages
    assert table_resident_kb() == 0  # the request's teardown gave them back
    assert best_split("Kommunalverwaltung")[1:] == ("Kommunal", "Verwaltung")  # and it reads them again
