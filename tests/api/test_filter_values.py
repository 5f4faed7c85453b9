"""Filter values in the query string are never stored: a NUL or control character in one is
dropped, so no download or list answers 500 (PostgreSQL refuses NUL in any query parameter)."""

from __future__ import annotations

import pytest

from .api_helpers import API


@pytest.mark.parametrize("path", ["/projects", "/projects.json", "/projects.csv", "/projects.xlsx"])
@pytest.mark.parametrize("query", ["legal_form=a%00b", "keyword=%00&district=x%7F%00", "legal_form=a%00b&q=Standesamt"])
def test_nul_in_a_filter_value_is_dropped_not_a_server_error(make_project, client, path, query):
    make_project(title="Gemeinsames Standesamt", legal_form="öffentlich-rechtliche Vereinbarung")
    response = client.get(f"{API}{path}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
