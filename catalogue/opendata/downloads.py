"""Downloads of a selection as CSV, JSON or XLSX, streamed, each carrying licence and source.

CSV and XLSX share the import's columns and its formula protection (a cell a spreadsheet would run
is prefixed with ``'``); JSON is the API's project document. The licence travels in every format:
a ``Link: <…>; rel="license"`` header on all, a ``license`` field in JSON, a sheet in XLSX.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from itertools import chain

from flask import current_app, stream_with_context

from ..api.schemas import ProjectSchema
from ..api.urls import absolute
from ..importing.csv_format import COLUMNS, csv_cells
from ..schemas import ProjectOutputSchema
from .licences import configured_licence
from .selection import Selection, project_batches

FORMATS = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_STEM = "ikz-katalog"


class PrefetchedBatches:
    """The batches of a selection with the first one already fetched.

    Fetching before the answer starts turns a bad query (search syntax, engine down) into a
    proper error page instead of a broken stream; later batches follow lazily.
    """

    def __init__(self, selection: Selection):
        self._batches = project_batches(selection)
        first = next(self._batches, None)
        self._first = [first] if first is not None else []

    def __iter__(self):
        return chain(self._first, self._batches)


def source_note(source_url: str) -> dict:
    """Licence and origin of the data, as the JSON download and the XLSX sheet state them."""
    licence = configured_licence(current_app.config)
    publisher = current_app.config.get("PUBLISHER_NAME") or current_app.config.get("OPERATOR_NAME") or "IKZ-Katalog"
    return {
        "license": licence.uri,
        "license_title": licence.title,
        "license_url": licence.url,
        "attribution": f"{publisher}, IKZ-Katalog ({absolute('/')})" if licence.attribution else "",
        "source": source_url,
    }


def download_response(kind: str, selection: Selection, source_url: str, etag: str | None = None):
    """The streamed answer of format ``kind`` with licence header and file name."""
    batches = PrefetchedBatches(selection)
    note = source_note(source_url)
    body = {"csv": _csv, "json": _json, "xlsx": _xlsx}[kind](batches, note)
    response = current_app.response_class(stream_with_context(body), mimetype=FORMATS[kind])
    if kind == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{FILE_STEM}.{kind}"'
    response.headers.add("Link", f'<{note["license"]}>; rel="license"')
    if etag:
        response.set_etag(etag)
    return response


def _csv(batches, note):
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for batch in batches:
        for document in ProjectOutputSchema(many=True).dump(batch):
            writer.writerow(csv_cells(document))
        yield buffer.getvalue()
        buffer.seek(0), buffer.truncate()
    yield buffer.getvalue()


def _json(batches, note):
    # The licence first, so that a reader who stops early has already seen it.
    yield "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in note.items())
    yield ', "projects": ['
    count = 0
    for batch in batches:
        for project in batch:
            yield ("," if count else "") + json.dumps(ProjectSchema().dump(project), ensure_ascii=False)
            count += 1
    yield f'], "count": {count}}}\n'


def _xlsx(batches, note):
    from openpyxl import Workbook

    # Write-only mode keeps one row in memory; the ZIP container is written to a spooled
    # temporary file (in memory while small) and sent from there in chunks.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Projekte")
    sheet.append(list(COLUMNS))
    for batch in batches:
        for document in ProjectOutputSchema(many=True).dump(batch):
            sheet.append(csv_cells(document))
    about = workbook.create_sheet("Lizenz")
    for label, value in (
        ("Lizenz", note["license_title"]),
        ("Lizenz-URI", note["license"]),
        ("Lizenztext", note["license_url"]),
        ("Namensnennung", note["attribution"]),
        ("Quelle", note["source"]),
    ):
        about.append([label, value])
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(64 * 1024):
            yield chunk


def download_links(api_args: dict | None = None) -> dict | None:
    """Links of the list shown to its whole result in every format, or None.

    A list or search page's selection is taken from the request, so that its view need not pass
    anything: the same filters, query and order, in the API's names (the API's bulk endpoints serve
    the files). A page listing the profiles of one keyword, organisation or place passes the API
    arguments that select them (``keyword``, ``organisation``, ``place``) instead.
    """
    from flask import request, url_for
    from marshmallow import ValidationError

    from ..schemas import ProjectFilterSchema
    from .selection import api_args_of

    if api_args is not None:
        args, of_page = api_args, True
    elif request.endpoint in ("public.project_list", "public.search_page"):
        try:
            filters = ProjectFilterSchema.from_args(request.args)
        except ValidationError:
            return None  # the page itself answers 400
        q = request.args.get("q", "") if request.endpoint == "public.search_page" else ""
        sort = request.args.get("sort") or None
        selection = Selection.from_filters(filters, q, sort if sort else ("relevanz" if q else filters["sort"]))
        args, of_page = api_args_of(selection), False
    else:
        return None
    licence = configured_licence(current_app.config)
    return {
        "formats": [
            (label, url_for(f"api.projects_{kind}", **args), FORMATS[kind])
            for kind, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON"))
        ],
        "licence": licence,
        # the profiles of the page's list (a keyword's, an organisation's, a place's), not a selection
        "of_page": of_page,
    }
