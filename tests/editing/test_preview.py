"""The admin's preview is the public page as it will look, "Ähnliche Projekte" included (the
views pass them; the template runs no search)."""

from __future__ import annotations

import re


def test_the_preview_shows_the_similar_projects_the_public_page_shows(
    app, client, make_project, publisher, monkeypatch
):
    monkeypatch.setitem(app.config, "SEARCH_CATCHUP_INTERVAL", 0)  # search right after the saves
    keywords = ["Bauhof", "Maschinenring", "Winterdienst"]
    shown = make_project(title="Gemeinsamer Bauhof Nordtal", keywords=keywords)
    other = make_project(title="Gemeinsamer Bauhof Südtal", keywords=keywords)

    def similar(page: str) -> list[str]:
        section = page[page.index('id="similar-heading"') :]
        return re.findall(r'<a href="/projekte/([^"]+)">', section[: section.index("</section>")])

    public = client.get(f"/projekte/{shown.slug}").text
    preview = publisher.browser.get(f"/admin/projekte/{shown.id}/vorschau").text
    assert other.slug in similar(public)
    assert similar(preview) == similar(public)
