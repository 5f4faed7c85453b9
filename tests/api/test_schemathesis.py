"""Schemathesis against the live app: no server error, no response that contradicts the document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .api_helpers import API

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
#: Checks left out, and why:
#: positive_data_acceptance – the shared profile rules go beyond JSON Schema (known legal forms,
#:   full web addresses, one lead, ...), so some schema-valid bodies are rightly 422;
#: missing_required_header – a write without If-Match answers 428 (RFC 6585), which this check
#:   does not expect;
#: negative_data_rejection – the shared rules accept a number where text is expected ("2020").
EXCLUDED = "positive_data_acceptance,missing_required_header,negative_data_rejection"


def test_the_live_api_keeps_its_document(live_server, seeded, admin, tmp_path):
    """Fixed seed, bounded examples, every operation (writes with an admin token)."""
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{live_server}{API}/openapi.json",
         "--seed", "20240501", "--generation-deterministic", "--max-examples", "15",
         "--checks", "all", "--exclude-checks", EXCLUDED,
         "--header", f"Authorization: {admin['Authorization']}",
         "--request-timeout", "30", "--report-dir", str(tmp_path), "--no-color"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
