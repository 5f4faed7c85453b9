"""The search box language: words, "phrases", -exclusions and OR; everything else is text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .analysis import german_analyzer

MAX_QUERY_LENGTH = 500
MAX_CLAUSES = 32
_QUERY_ANALYZER = german_analyzer()
#: Quotes, a leading minus, words; anything else (brackets, *, ?, ~, ^, :) is a separator.
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([\w][\w\-.\']*)')


class SearchQueryError(ValueError):
    """The input cannot be treated as search text; the message is for the user."""

    #: the HTTP status a view should answer with
    status = 400


class SearchQueryTooLong(SearchQueryError):
    """More text than any search needs."""

    status = 413


@dataclass
class Clause:
    """One word or phrase of the query; ``alternatives`` are the clauses joined to it by OR."""

    words: list[str]
    phrase: bool = False
    negated: bool = False
    alternatives: list[Clause] = field(default_factory=list)


def clean(text: str) -> str:
    """NFC, control characters as spaces, trimmed; refuses what is not search text."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchQueryTooLong(f"Die Suchanfrage ist zu lang (höchstens {MAX_QUERY_LENGTH} Zeichen).")
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cs", "Cf") else char for char in text)
    return text.strip()


def parse(text: str) -> list[Clause]:
    """Clauses of the (cleaned) query; an unbalanced quote is an ordinary character."""
    if text.count('"') % 2:
        text = text.replace('"', " ")
    clauses: list[Clause] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            words = match.group(2).split()
            clause = Clause(words, phrase=len(words) > 1, negated=bool(match.group(1)))
        else:
            word = match.group(4).strip("-.'")
            if word == "OR":
                pending_or = bool(clauses)
                continue
            if word in ("AND", "NOT", ""):
                continue
            clause = Clause([word], negated=bool(match.group(3)))
        if not clause.words:
            continue
        if pending_or and not clause.negated and not clauses[-1].negated:
            clauses[-1].alternatives.append(clause)
        else:
            clauses.append(clause)
        pending_or = False
    return clauses[:MAX_CLAUSES]


def terms_of(words: list[str]) -> list[str]:
    """The analysed terms of some words (stop words drop out)."""
    return [token.text for token in _QUERY_ANALYZER(" ".join(words), mode="query")]
