"""The German analyzer, built from parts (the schema pickles it: keep this module path stable)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import Stemmer
from compound_split import char_split
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter

#: Snowball's German stop words plus "dass" (post-1996 spelling, missing from Whoosh's list).
#: They are given folded, because the stop filter runs after folding.
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
#: real compounds score ≥ 0.68 (Kommunal|verwaltung, Feuer|wehr), place names mostly below
#: (Arns|berg 0.41, Sun|dern 0.08); the part lengths below keep Bors|dorf (0.70) whole.
COMPOUND_THRESHOLD = 0.6
_MIN_HEAD, _MIN_TAIL, _MIN_WORD = 5, 4, 9


def fold(text: str) -> str:
    """Lower-case spelling without umlauts, ß or accents: Großpösna → grosspoesna."""
    text = text.lower().translate(_UMLAUTS)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS_RAW.split())


@lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a German compound (recursively), or () when it is not one we trust."""
    if len(word) < _MIN_WORD or not word.isalpha():
        return ()
    score, head, tail = char_split.split_compound(word.capitalize())[0]
    if score < COMPOUND_THRESHOLD or len(head) < _MIN_HEAD or len(tail) < _MIN_TAIL:
        return ()
    head, tail = head.lower(), tail.lower()
    if not word.startswith(head):  # a linking "s" that the splitter dropped
        return ()
    parts = [head, *compound_parts(head), tail, *compound_parts(tail)]
    return tuple(parts)


class CompoundFilter(Filter):
    """At index time, adds the parts of a compound at its position: "Netzwerk" then matches
    "Digitalisierungsnetzwerk". Queries stay whole, so a compound query stays precise."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for token in tokens:
            yield token
            if token.mode == "query" and not getattr(token, "split_in_query", False):
                continue
            parts = compound_parts(token.text)
            if not parts:
                continue
            original, start = token.text, getattr(token, "startchar", None)
            for part in parts:
                token.text = part
                if start is not None:
                    offset = original.find(part)
                    token.startchar = start + max(offset, 0)
                    token.endchar = token.startchar + len(part)
                yield token
            token.text = original


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


def german_analyzer(compounds: bool = True):
    """Tokenize, lower-case, split compounds (index only), fold, drop stop words, stem."""
    chain = RegexTokenizer(_WORDS) | LowercaseFilter()
    if compounds:
        chain = chain | CompoundFilter()
    return chain | FoldFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1) | GermanStemFilter()


def folding_analyzer():
    """Whole words, folded but not stemmed: for suggestions and "Meinten Sie …?"."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | FoldFilter()
