"""Snippets made with less work give the same passages and marks as before.

The skeleton of a Latin-1 text comes from a byte table (``str.translate`` with a dict looked up
every character of a long text), and a snippet analyses the words of a text only up to the end
of its window. Both must leave every snippet as it was: compared here with the character table
and with a snippet made from every span of the text."""

from markupsafe import Markup, escape

from catalogue.search import highlight
from catalogue.search.analysis import german_analyzer
from catalogue.search.highlight import _SKELETON, _window, matched_spans, skeleton, snippet

TEXTS = [
    "Die Großpösna-Kooperation über Ämter, Straßen und Öffentliche Einrichtungen.",
    "ÀÉÎÕÜ àéîõü Æ æ Ø ø Þ þ Ð ð × ÷ ÿ ß ẞ µ ª º ¹ ½",
    "Łódź und Gdańsk: Partnerstädte (beyond Latin-1).",
    "plain ASCII Text ohne Umlaute 123 _-.'",
]


def terms(text: str) -> set[str]:
    return {token.text for token in german_analyzer()(text, mode="query")}


def test_skeleton_equals_the_character_table():
    every = "".join(chr(code) for code in range(1, 0x2FF))
    assert skeleton(every) == every.translate(_SKELETON)
    for text in TEXTS:
        assert skeleton(text) == text.translate(_SKELETON)
        assert len(skeleton(text)) == len(text)


def reference(stored: dict, found: set[str], fields=None, whole=frozenset()) -> Markup:
    """A snippet as it was made before: every span of the chosen field, then the window."""
    chosen, spans = "", []
    for name in highlight.SNIPPET_FIELDS:
        if found and stored.get(name) and (fields is None or name in fields):
            spans = matched_spans(stored[name], found, whole)
            if spans:
                chosen = stored[name]
                break
    if not spans:
        chosen = " ".join((stored.get("summary") or stored.get("body") or "").split())
    start, end = _window(chosen, spans[0][0] if spans else 0)
    parts, position = ["… " if start else ""], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts += [escape(chosen[position:span_start]), "<mark>", escape(chosen[span_start:span_end]), "</mark>"]
        position = span_end
    parts.append(escape(chosen[position:end]))
    if end < len(chosen):
        parts.append(" …")
    return Markup(" ".join("".join(parts).split()))


FILLER = "Die Gemeinden im Tal arbeiten seit Jahren zusammen. "
STORED = [
    {"summary": "Kurz.", "body": FILLER * 40 + "Die Hochwasserkrise traf Großpösna; die Feuerwehr half."},
    {"summary": "Feuerwehr " + "Feuerwehrwache Feuerwehren Hochwasser " * 30, "title": "Feuerwehr"},
    {"summary": "Ein gemeinsamer Bauhof " * 9 + "Bauhof-Verwaltung, Bauhöfe", "body": "Bauhof"},
    {"summary": "x" * 230 + "Bauhof" + "y" * 300 + " Bauhof Bauhof"},  # no space: the window is cut anywhere
    {"summary": "Nichts davon.", "body": FILLER * 3},
    {"title": "Großpösna <script>", "summary": "Grosspoesna & Großpösna-Nord " * 20},
]
QUERIES = ["Feuerwehr", "Hochwasser Feuerwehr", "Bauhof", "Verwaltung", "Großpösna", "Tal Gemeinden", "fehlt"]


def test_snippets_equal_those_made_from_every_span():
    compared = 0
    for stored in STORED:
        for q in QUERIES:
            for fields in (None, {"summary"}, {"body", "title"}):
                assert snippet(stored, terms(q), fields) == reference(stored, terms(q), fields), (stored, q, fields)
                compared += 1
        assert snippet(stored, terms("Großpösna"), None, frozenset({"großpösna"})) == reference(
            stored, terms("Großpösna"), None, frozenset({"großpösna"})
        )
    assert compared == len(STORED) * len(QUERIES) * 3


def test_words_after_the_window_are_not_analysed():
    later = " ".join(f"Bauhof-Nord{chr(97 + a)}{chr(97 + b)}" for a in range(26) for b in range(4))
    stored = {"summary": "Der Bauhof. " + FILLER * 10 + later}
    highlight._word_terms.cache_clear()
    made = snippet(stored, terms("Bauhof"))
    assert "<mark>Bauhof</mark>" in made
    # The window ends long before the hundred hyphenated words: none of them was analysed.
    assert highlight._word_terms.cache_info().misses < 5
    assert made == reference(stored, terms("Bauhof"))
