"""Property-based requests against the OpenAPI schema (schemathesis), on SQLite and on
PostgreSQL: with a fixed seed and a bounded number of examples per operation, no request
may end in a server error, and every answer must match its documented schema.

Slow (a few hundred requests per database); `.ci/run` runs it with the rest.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import response_schema_conformance  # noqa: E402

from api.main import create_app  # noqa: E402

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 12


def test_no_server_error_and_answers_match_the_schema(prepared, fake_source):  # noqa: F811
    from hypothesis import given, seed

    settings_, keys = prepared
    app = create_app(
        settings_.model_copy(update={"write_rate_per_minute": 1e9, "write_burst": 10**9}),
        model_source=fake_source,
    )
    headers = {"X-API-Key": keys["admin"]}
    calls, failures = [0], []
    with TestClient(app):  # runs the app's startup, so the store and service exist
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()

            @seed(0)
            @settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case):
                response = case.call(headers=headers)
                calls[0] += 1
                where = f"{case.method} {case.formatted_path} -> {response.status_code}"
                # 501: the stand-in model source has no registry to retrain from (by design)
                if response.status_code >= 500 and response.status_code != 501:
                    failures.append(f"{where}: server error {response.text[:300]}")
                    return
                try:
                    case.validate_response(response, checks=[response_schema_conformance])
                except BaseException as exc:  # noqa: BLE001 - collected, reported together
                    failures.append(f"{where}: {exc}"[:600])

            run()
    assert calls[0] >= 50
    assert not failures, "\n".join(failures[:10])
