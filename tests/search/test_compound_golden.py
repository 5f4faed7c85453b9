"""Compound splits stay exactly what compound-split's own tables gave (the golden file).

The words (tests/search/compound_words.txt) are the seed data's vocabulary and every 100th
word of igerman98 (see NOTICE); the golden file was written by scripts/compound_golden.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.search.analysis import compound_parts
from catalogue.search.compounds import NgramTable, best_split, table

GOLDEN = Path(__file__).with_name("compound_golden.tsv")


def golden_rows() -> list[list[str]]:
    return [line.split("\t") for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


def test_the_golden_file_covers_thousands_of_words_and_real_compounds():
    rows = golden_rows()
    assert len(rows) > 4000
    assert sum(1 for row in rows if row[4]) > 500
    assert ["kommunal", "verwaltung"] == next(row[4] for row in rows if row[0] == "kommunalverwaltung").split()


def test_compound_parts_are_the_golden_ones():
    wrong = [(word, parts, " ".join(compound_parts(word)))
             for word, _score, _head, _tail, parts in golden_rows() if " ".join(compound_parts(word)) != parts]
    assert not wrong, f"{len(wrong)} words split differently, e.g. {wrong[:5]}"


def test_best_splits_are_the_librarys():
    """Score, head and tail of the best split as compound-split's split_compound gave them."""
    wrong = []
    for word, score, head, tail, _parts in golden_rows():
        got = best_split(word.capitalize())
        if (repr(float(got[0])), got[1], got[2]) != (score, head, tail):
            wrong.append((word, (score, head, tail), got))
    assert not wrong, f"{len(wrong)} words scored differently, e.g. {wrong[:5]}"


def test_the_table_is_the_mapped_file():
    """The compact file, not the library's dicts (their fallback is for unwritable caches)."""
    assert isinstance(table(), NgramTable)


@pytest.mark.parametrize("word", ["kommunalverwaltung", "arnsberg", "straßenreinigung", "ßabcdefghij", "ﬁnanzverwaltung"])
def test_golden_words_include_the_analyzers_edge_cases(word):
    """Edge cases the splitter must keep: a real compound, a place name, ß inside and at the start
    (capitalize() makes it Ss), a ligature that capitalize() turns into two letters."""
    assert any(row[0] == word for row in golden_rows())
