"""The index schema and the search document of a profile."""

from __future__ import annotations

import sys
from array import array
from functools import reduce
from operator import or_

from whoosh.columns import PickleColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from .analysis import folding_analyzer, german_analyzer, kept_whole, place_words
from .w3 import INT_SIZE as _INT_SIZE

#: Field weights of a text match: title and keywords above the places, places above the long texts.
FIELD_BOOSTS = {"title": 4.0, "keywords": 3.0, "orgs": 2.5, "summary": 1.5, "body": 1.0}
TEXT_FIELDS = tuple(FIELD_BOOSTS)
META_ID = "meta"
#: Kinds of organisation whose names are names of places (kept whole in the texts, see analysis).
PLACE_KINDS = frozenset({"municipality", "district", "municipal_association", "state_authority"})
#: Raised whenever analysis or documents change, so that start-up rebuilds an index made the old way.
INDEX_VERSION = 4


class PhrasePositions(Positions):
    """Positions as a bit mask (bit p: the term is at position p) when that is the shorter
    encoding (a frequent term), else as 16- or 32-bit integers (a rare one). Whoosh pickles a
    list of deltas; unpickling, summing and masking it per document was most of the time of a
    phrase of frequent words (see engine.Snapshot.positions). Pickled into the index schema:
    keep this class at this module path."""

    _ONE = 1

    def encode(self, poslist):
        mask = reduce(or_, map(self._ONE.__lshift__, poslist), 0)
        packed = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
        numbers = array("H" if poslist[-1] < 65536 else "I", poslist)
        if sys.byteorder == "big":
            numbers.byteswap()
        raw = numbers.tobytes()
        if len(packed) <= len(raw):
            return pack_uint(len(poslist)) + b"m" + packed
        return pack_uint(len(poslist)) + numbers.typecode.encode() + raw

    @staticmethod
    def mask(value: bytes) -> int:
        """The bit mask of an encoded value."""
        kind = value[_INT_SIZE : _INT_SIZE + 1]
        if kind == b"m":
            return int.from_bytes(value[_INT_SIZE + 1 :], "little")
        if len(value) - _INT_SIZE - 1 == (2 if kind == b"H" else 4):  # one position, the usual case
            return 1 << int.from_bytes(value[_INT_SIZE + 1 :], "little")
        return reduce(or_, map(PhrasePositions._ONE.__lshift__, PhrasePositions._numbers(value)), 0)

    @staticmethod
    def _numbers(value: bytes) -> array:
        numbers = array(value[_INT_SIZE : _INT_SIZE + 1].decode(), value[_INT_SIZE + 1 :])
        if sys.byteorder == "big":
            numbers.byteswap()
        return numbers

    def decode_positions(self, valuestring):
        if valuestring[_INT_SIZE : _INT_SIZE + 1] == b"m":
            mask = int.from_bytes(valuestring[_INT_SIZE + 1 :], "little")
            return [bit for bit in range(mask.bit_length()) if mask >> bit & 1]
        return list(self._numbers(valuestring))


def _text_field(field: str) -> TEXT:
    """A stored text field with the field's analyzer and positions as PhrasePositions."""
    text = TEXT(analyzer=field_analyzer(field), stored=True)
    text.format = PhrasePositions(field_boost=text.format.field_boost)
    return text


def field_analyzer(field: str):
    """The analyzer of a text field: names of organisations are places, never split as compounds."""
    return german_analyzer(compounds=field != "orgs")


def build_schema() -> Schema:
    """Text fields are stored for snippets; facet values live in one pickled column per document."""
    return Schema(
        id=ID(stored=True, unique=True),
        **{name: _text_field(name) for name in TEXT_FIELDS},
        spell=TEXT(analyzer=folding_analyzer(), phrase=False),
        facets=COLUMN(PickleColumn(VarBytesColumn())),
        meta=STORED(),
    )


def make_document(record: dict) -> dict:
    """The index document of a profile given as a plain record (see ``project_record``)."""
    orgs = "\n".join(record["organisations"] + record["districts"])
    words = " ".join([record["title"], " ".join(record["keywords"]), orgs, record["summary"]])
    return {
        "id": str(record["id"]),
        "title": record["title"],
        "keywords": "\n".join(record["keywords"]),
        "orgs": orgs,
        "summary": record["summary"],
        "body": record["body"],
        "spell": words,
        "facets": {
            "id": record["id"],
            "status": record["status"],
            "title": record["title"],
            "updated": record["updated"],
            "since": record["since_year"],
            "keywords": tuple(record["keywords"]),
            "states": tuple(record["states"]),
            "districts": tuple(record["districts"]),
            "legal_form": record["legal_form"],
            "kinds": tuple(record["kinds"]),
            "slug": record["slug"],
            "organisations": tuple(record["organisations"]),
            "places": places_of(record),
        },
    }


def places_of(record: dict) -> tuple[str, ...]:
    """Names of the record's places: its municipalities, districts and authorities."""
    places = record.get("places")
    return tuple(record["organisations"] + record["districts"] if places is None else places)


def write_document(writer, record: dict, update: bool = True) -> None:
    """Index one record (replacing its old document), with the names of its places kept whole."""
    with kept_whole(place_words(places_of(record))):
        (writer.update_document if update else writer.add_document)(**make_document(record))


def project_record(project) -> dict:
    """A Project row as the plain record the index is built from."""
    organisations = [p.organisation for p in project.participations]
    districts = sorted({o.district for o in organisations if o.district})
    body = [project.occasion, project.goal, project.implementation, project.financing]
    body += [f"{u.title}\n{u.text}" for u in project.updates]
    return {
        "id": project.id,
        "slug": project.slug,
        "status": project.status,
        "title": project.title,
        "summary": project.summary or "",
        "body": "\n\n".join(part for part in body if part),
        "keywords": [k.name for k in project.keywords],
        "organisations": [o.name for o in organisations],
        "states": sorted({o.state for o in organisations if o.state}),
        "districts": districts,
        "places": [o.name for o in organisations if o.kind in PLACE_KINDS] + districts,
        "kinds": sorted({o.kind for o in organisations if o.kind}),
        "legal_form": project.legal_form.name if project.legal_form else "",
        "since_year": project.since_year,
        # the order "neueste": when the content last changed, as on the profile page
        "updated": project.content_changed_at.timestamp() if project.content_changed_at else 0.0,
    }
