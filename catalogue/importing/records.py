"""The common currency of every reader: raw records with a location, and read errors.

A reader (text record, CSV, JSON) only turns bytes into dicts shaped like the
project representation (see docs in README "Projektdarstellung"); it does not
validate them. Validation is the job of ``catalogue.schemas.ProjectInputSchema``
so that the same rules apply to seed, import, API and admin input.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawRecord:
    """One project as a reader found it."""

    #: file name the record came from (as given on the command line)
    source: str
    #: human-readable position inside the file, e.g. "Zeile 12" or "Datensatz 3"
    location: str
    #: dict in the shape of the project representation (unvalidated)
    data: dict = field(default_factory=dict)


class ReadError(Exception):
    """A file (or one record of it) cannot be read at all."""

    def __init__(self, source: str, location: str | None, message: str):
        self.source = source
        self.location = location
        self.message = message
        where = f"{source}, {location}" if location else source
        super().__init__(f"{where}: {message}")
