"""The OpenAPI document names every status the API really answers with."""

from __future__ import annotations

from api.api_helpers import API


def test_every_status_the_api_gives_is_documented(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            documented = set(operation["responses"])
            assert {"406", "429", "503"} <= documented, (method, path)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= documented, (method, path)
            if any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                assert {"412", "428"} <= documented, (method, path)
    put = spec["paths"][f"{API}/projects/{{slug}}"]["put"]["responses"]
    assert {"409", "412", "413", "415", "428", "429", "503"} <= set(put)


def test_the_input_limits_are_in_the_document(client):
    """The bounds the one input schema enforces are documented, so clients (and Schemathesis'
    positive data) stay inside them instead of meeting an undocumented 422."""
    from catalogue import schemas

    spec = client.get(f"{API}/openapi.json").get_json()
    fields = spec["components"]["schemas"]["ApiProjectInput"]["properties"]
    assert fields["keywords"]["maxItems"] == schemas.MAX_KEYWORDS
    assert fields["participants"]["maxItems"] == schemas.MAX_PARTICIPANTS
    assert fields["contacts"]["maxItems"] == schemas.MAX_CONTACTS
    assert fields["links"]["maxItems"] == schemas.MAX_LINKS
    assert fields["updates"]["maxItems"] == schemas.MAX_UPDATES
    assert fields["since_year"]["minimum"] == 1900 and fields["since_year"]["maximum"] >= 2026
