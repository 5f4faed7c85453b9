"""Write the golden file of compound splits (tests/search/compound_golden.tsv).

The golden test holds the analyzer's compound splits to what compound-split's own tables gave
when the file was written. Run this only when the splits are meant to change (a new
compound-split release, a new threshold), and review the diff: the raw split comes from the
library's own ``char_split`` (its full n-gram tables, about 6 s to load), the parts from
``catalogue.search.analysis.compound_parts``.

    .venv/bin/python scripts/compound_golden.py [--words tests/search/compound_words.txt]

The word list is the seed data's vocabulary plus every 100th word of a German word list
(``--dictionary``, by default Debian's wngerman), written once to ``--words`` so that the test
does not need the dictionary.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalogue.search.analysis import _WORDS, compound_parts  # noqa: E402

WORDS = REPO / "tests" / "search" / "compound_words.txt"
GOLDEN = REPO / "tests" / "search" / "compound_golden.tsv"


def collect_words(dictionary: Path, every: int) -> list[str]:
    """The seed data's words and a regular sample of the dictionary, lower-cased, as the analyzer sees them."""
    words: set[str] = set()
    for path in sorted((REPO / "data" / "seed").rglob("*.yaml")):
        words.update(match.group().lower() for match in re.finditer(_WORDS, path.read_text(encoding="utf-8")))
    lines = dictionary.read_text(encoding="utf-8").split()
    words.update(line.lower() for line in lines[::every])
    return sorted(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=Path, default=WORDS)
    parser.add_argument("--dictionary", type=Path, default=Path("/usr/share/dict/ngerman"))
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--new-word-list", action="store_true", help="collect the words again")
    args = parser.parse_args()
    if args.new_word_list or not args.words.exists():
        args.words.write_text("\n".join(collect_words(args.dictionary, args.every)) + "\n", encoding="utf-8")
    from compound_split import char_split  # the library's own tables: the reference

    rows = []
    for word in args.words.read_text(encoding="utf-8").split("\n"):
        if not word:
            continue
        score, head, tail = char_split.split_compound(word.capitalize())[0]
        rows.append("\t".join([word, repr(float(score)), head, tail, " ".join(compound_parts(word))]))
    GOLDEN.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows)} words, {sum(1 for row in rows if row.split(chr(9))[4])} split -> {GOLDEN}")


if __name__ == "__main__":
    main()
