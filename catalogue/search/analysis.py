"""The German analyzer, built from parts (the schema pickles it: keep this module path stable)."""

from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import Stemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter

from .compounds import best_split

#: Snowball's German stop words plus "dass" (post-1996 spelling, missing from Whoosh's list).
#: The stop filter runs before folding (see german_analyzer), so both spellings are listed.
_STOP_WORDS_RAW = """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
anderm andern anderr anders auch auf aus bei bin bis bist da damit dann das dass daß dasselbe dazu
dein deine deinem deinen deiner deines dem demselben den denn denselben der derer derselbe
derselben des desselben dessen dich die dies diese dieselbe dieselben diesem diesen dieser dieses
dir doch dort du durch ein eine einem einen einer eines einig einige einigem einigen einiger
einiges einmal er es etwas euch euer eure eurem euren eurer eures für gegen gewesen hab habe
haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine
keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches mein
meine meinem meinen meiner meines mich mir mit muss musste nach nicht nichts noch nun nur ob oder
ohne sehr sein seine seinem seinen seiner seines selbst sich sie sind so solche solchem solchen
solcher solches soll sollte sondern sonst um und uns unser über unter viel vom von vor war waren
warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden wie wieder
will wir wird wirst wo wollen wollte während würde würden zu zum zur zwar zwischen
"""

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})

#: Splits below this confidence of compound-split are not trusted. Tuned on the seed data:
#: real compounds score ≥ 0.63 (Pflege|heim, Kommunal|verwaltung 0.69), many place names below
#: (Arns|berg 0.41, Sun|dern 0.08), the part lengths keep Bors|dorf (0.70) whole; the place
#: names that score like compounds are kept whole per document (``kept_whole``).
COMPOUND_THRESHOLD = 0.6
_MIN_HEAD, _MIN_TAIL, _MIN_WORD = 5, 4, 9


#: Words of place names that CompoundFilter leaves whole while one document is analysed.
#: compound-split cannot tell names from compounds (Birken|feld 0.81, Stock|stadt 0.98 score like
#: Kommunal|verwaltung 0.69), but a profile names its places: its participants and districts.
_KEPT_WHOLE: ContextVar[frozenset[str]] = ContextVar("catalogue_search_kept_whole", default=frozenset())

#: Designations in names of places (Verbandsgemeinde Birkenfeld): not names, so still split.
DESIGNATIONS = frozenset(
    """
amt bezirksregierung gemeinde gemeindeverwaltungsverband gvv hansestadt kreis kreisstadt landkreis
landratsamt markt samtgemeinde stadt verbandsgemeinde verwaltungsgemeinschaft verwaltungsverband
""".split()
)


def fold(text: str) -> str:
    """Lower-case spelling without umlauts, ß or accents: Großpösna → grosspoesna."""
    text = text.lower().translate(_UMLAUTS)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


STOP_WORDS = frozenset(_STOP_WORDS_RAW.split()) | frozenset(fold(word) for word in _STOP_WORDS_RAW.split())


def may_be_compound(word: str) -> bool:
    """Whether ``compound_parts`` would try to split this (lower-cased) word at all."""
    return len(word) >= _MIN_WORD and word.isalpha()


@lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a German compound (recursively), or () when it is not one we trust."""
    if not may_be_compound(word):
        return ()
    score, head, tail = best_split(word.capitalize())
    if score < COMPOUND_THRESHOLD or len(head) < _MIN_HEAD or len(tail) < _MIN_TAIL:
        return ()
    head, tail = head.lower(), tail.lower()
    if not word.startswith(head):  # a linking "s" that the splitter dropped
        return ()
    parts = [head, *compound_parts(head), tail, *compound_parts(tail)]
    return tuple(parts)


@lru_cache(maxsize=4096)
def place_words(names: tuple[str, ...]) -> frozenset[str]:
    """The lower-cased words of names of places that must stay whole (designations excluded)."""
    words = {token.text for name in names for token in _NAME_WORDS(name)}
    words |= {piece for word in words for piece in hyphen_pieces(word)}
    return frozenset(words - DESIGNATIONS)


#: Endings that make a name of a place into its inhabitants or adjective (Heidenheimer Zeitung).
_NAME_ENDINGS = ("er", "ern", "ers", "erin", "erinnen")


def is_kept_whole(word: str, words: frozenset[str]) -> bool:
    """Whether a lower-cased word is one of the place ``words`` or made from one with an ending."""
    return word in words or any(word.endswith(ending) and word[: -len(ending)] in words for ending in _NAME_ENDINGS)


@contextmanager
def kept_whole(words: frozenset[str]):
    """Within this block, CompoundFilter leaves these (lower-cased) words whole."""
    reset = _KEPT_WHOLE.set(words)
    try:
        yield
    finally:
        _KEPT_WHOLE.reset(reset)


def hyphen_pieces(word: str) -> tuple[str, ...]:
    """The pieces of a hyphenated word worth a term of their own: Nordrhein-Westfalen →
    (nordrhein, westfalen); no single letters (E-Government) and no stop words (Stadt-und-Land)."""
    if "-" not in word:
        return ()
    return tuple(piece for piece in word.split("-") if len(piece) > 1 and piece not in STOP_WORDS)


class HyphenFilter(Filter):
    """At index time, adds the pieces of a hyphenated word at its position, so "Westfalen" finds
    "Nordrhein-Westfalen" and "Hochheide" finds "Westfeld-Hochheide". The tokenizer keeps the
    hyphenated word whole, so a hyphenated query still matches exactly that word."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            # The filters after this one change the token in place: keep the word.
            word, start = token.text, getattr(token, "startchar", None)
            yield token
            if token.mode == "query" or token.stopped:
                continue
            kept, offset = hyphen_pieces(word), 0
            for piece in word.split("-"):
                begin, offset = offset, offset + len(piece) + 1
                if piece not in kept:
                    continue
                token.text = piece
                if start is not None:
                    token.startchar = start + begin
                    token.endchar = token.startchar + len(piece)
                yield token


class CompoundFilter(Filter):
    """At index time, adds the parts of a compound at its position: "Netzwerk" then matches
    "Digitalisierungsnetzwerk". Queries stay whole, so a compound query stays precise; the
    names of the document's places (see ``kept_whole``) are never split."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        whole = _KEPT_WHOLE.get()
        for token in tokens:
            # The filters after this one fold and stem the token in place: keep the word.
            word, start = token.text, getattr(token, "startchar", None)
            yield token
            if token.mode == "query" or token.stopped or (whole and is_kept_whole(word, whole)):
                continue
            for part in compound_parts(word):
                token.text = part
                if start is not None:
                    token.startchar = start + max(word.find(part), 0)
                    token.endchar = token.startchar + len(part)
                yield token


class FoldFilter(Filter):
    """Folds case, umlauts, ß and accents, so both spellings meet in one term."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


_stemmer = None


def stem(word: str) -> str:
    """Snowball's German stem (PyStemmer; it reads ae/oe/ue as ä/ö/ü)."""
    global _stemmer
    if _stemmer is None:
        _stemmer = Stemmer.Stemmer("german")
        _stemmer.maxCacheSize = 100_000
    return _stemmer.stemWord(word)


class GermanStemFilter(Filter):
    """Snowball German stemming of folded tokens."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


_WORDS = r"\w+(?:[-.']\w+)*"
_FOLDING_WORDS = r"\w+"
_NAME_WORDS = RegexTokenizer(_WORDS) | LowercaseFilter()


def german_analyzer(compounds: bool = True):
    """Tokenize, lower-case, drop stop words, split hyphenated words and compounds (index
    only), fold, stem."""
    # The stop filter numbers the positions of the words it keeps; compound parts come after it
    # and so share their compound's position: "starke Verwaltung" as a phrase matches "starke
    # Kommunalverwaltung", and a phrase across the next word is not broken by the parts.
    chain = RegexTokenizer(_WORDS) | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1) | HyphenFilter()
    if compounds:
        chain = chain | CompoundFilter()
    return chain | FoldFilter() | GermanStemFilter()


def folding_analyzer():
    """Whole words, folded but not stemmed: for suggestions and "Meinten Sie …?"."""
    return RegexTokenizer(_FOLDING_WORDS) | LowercaseFilter() | FoldFilter()


# ---------------------------------------------------------------- index-time analysis, memoised
#
# Building an index runs the analyzers over millions of words, but over few distinct ones: the
# benchmark's 10,000 synthetic profiles have about 3.5 million words, 40,000 different ones. The
# token stream (tokenizer, six filters, one generator step each per token) and compound-split per
# occurrence were most of an index build. The functions below give exactly what the analyzers
# above give at index time (the same terms at the same positions; tests/search/test_bulk.py holds
# them to it), analysing each distinct word once per process. They are used only where a whole
# document is indexed (``w3.BulkWriter``); queries and snippets still run the analyzers.

_INDEX_WORDS = RegexTokenizer(_WORDS).expression
_FOLDING_INDEX_WORDS = RegexTokenizer(_FOLDING_WORDS).expression
#: word as written -> (lower-cased word, its terms, the word and hyphen pieces that have compound
#: parts), for fields with and without compounds. The terms: the stem of the word, then of its
#: compound parts, then per hyphen piece the same; None for a stop word. Only the units with
#: compound parts change when a document keeps the names of its places whole.
_WORD_TERMS: dict[bool, dict[str, tuple]] = {True: {}, False: {}}
_FOLDED: dict[str, str] = {}
#: Distinct words remembered per process; beyond it the memo is cleared (a build's vocabulary fits).
MEMO_LIMIT = 200_000


def _terms_of(word: str, compounds: bool, whole: frozenset[str]) -> tuple[str, ...]:
    """What HyphenFilter, CompoundFilter, FoldFilter and GermanStemFilter make of one word."""
    terms = []
    for unit in (word, *hyphen_pieces(word)):
        terms.append(stem(fold(unit)))
        if compounds and not (whole and is_kept_whole(unit, whole)):
            terms.extend(stem(fold(part)) for part in compound_parts(unit))
    return tuple(terms)


def _remember(memo: dict, word: str, value):
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[word] = value
    return value


def _word_entry(token: str, compounds: bool) -> tuple:
    word = token.lower()
    if word in STOP_WORDS:
        return word, None, ()
    units = (word, *hyphen_pieces(word)) if compounds else ()
    return word, _terms_of(word, compounds, frozenset()), tuple(unit for unit in units if compound_parts(unit))


def index_positions(text: str, compounds: bool = True) -> dict[str, list[int]]:
    """Term -> positions (in order, repeated where two pieces of a word give the same term), as
    ``german_analyzer(compounds)`` gives them at index time, names of the places in
    ``kept_whole`` left whole."""
    whole = _KEPT_WHOLE.get() if compounds else frozenset()
    memo = _WORD_TERMS[compounds]
    own: dict[str, tuple[str, ...]] = {}  # words whose terms this document's places change
    positions: dict[str, list[int]] = {}
    pos = None
    for index, token in enumerate(_INDEX_WORDS.findall(text)):
        entry = memo.get(token)
        if entry is None:
            entry = _remember(memo, token, _word_entry(token, compounds))
        word, terms, splittable = entry
        if terms is None:
            continue
        # StopFilter numbers the kept words from the first one's own place in the text.
        pos = index if pos is None else pos + 1
        if splittable and whole and any(is_kept_whole(unit, whole) for unit in splittable):
            terms = own.get(word) or own.setdefault(word, _terms_of(word, compounds, whole))
        for term in terms:
            found = positions.get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
    return positions


def folded_counts(text: str) -> dict[str, int]:
    """Term -> frequency, as ``folding_analyzer()`` gives them."""
    counts: dict[str, int] = {}
    for word in _FOLDING_INDEX_WORDS.findall(text):
        term = _FOLDED.get(word)
        if term is None:
            term = _remember(_FOLDED, word, fold(word.lower()))
        counts[term] = counts.get(term, 0) + 1
    return counts


def index_function(analyzer):
    """The memoised equivalent of an analyzer at index time: ("positions", function) or
    ("counts", function), or None for an analyzer that is not one of this module's."""
    if analyzer == german_analyzer(compounds=True):
        return "positions", index_positions
    if analyzer == german_analyzer(compounds=False):
        return "positions", lambda text: index_positions(text, compounds=False)
    if analyzer == folding_analyzer():
        return "counts", folded_counts
    return None
