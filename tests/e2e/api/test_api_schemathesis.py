"""Schemathesis over our own OpenAPI document, against the live server with an admin key.

The fake trading system and the fake Binance run behind the app, so generated requests reach
the real data paths. No answer may be a 5xx, and every answer must match the documented status
codes, content type, headers and schema. Examples per operation are bounded and derandomized
so the run is fast and repeatable. Schemathesis is synchronous: it runs in a worker thread
while the server keeps serving on the test's event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.api.support import ApiKeys, bearer
from tests.e2e.harness import World

EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 8}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Invalid input must be refused with a 4xx, never accepted and never a crash.
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


def fuzz(
    base_url: str, key: str, pinned: dict[str, dict[str, Any]], mode: GenerationMode
) -> tuple[dict[str, set[int]], list[str]]:
    """Run every operation; returns the statuses seen per operation and the failures found."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS
    failures: list[str] = []
    seen: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(mode, path_parameters=pinned.get(operation.path))

        @settings(
            max_examples=EXAMPLES_PER_OPERATION[mode],
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def exercise(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=base_url, headers=bearer(key), checks=checks)
            seen.setdefault(case.operation.label, set()).add(response.status_code)

        try:
            exercise()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong in its input
        except Exception as exc:
            failures.append(f"{mode.value} {operation.label}: {exc}")
    return seen, failures


async def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
    api_world: World, api_keys: ApiKeys
) -> None:
    # Revoking random key ids could revoke the admin key doing the run: pin it to the spare.
    pinned = {"/api/v1/api-keys/{key_id}": {"key_id": api_keys.spare_id}}
    base = api_world.app.http_base
    seen, failures = await asyncio.to_thread(
        fuzz, base, api_keys.admin, pinned, GenerationMode.POSITIVE
    )
    assert not failures, "\n\n".join(failures)
    assert len(seen) >= 20
    succeeded = {label for label, statuses in seen.items() if any(s < 300 for s in statuses)}
    # Most operations must really have answered, not only refused what was generated.
    assert len(succeeded) >= len(seen) - 2, seen

    _, failures = await asyncio.to_thread(
        fuzz, base, api_keys.admin, pinned, GenerationMode.NEGATIVE
    )
    assert not failures, "\n\n".join(failures)
