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
from hypothesis import strategies as st
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

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.services.notifications.alert_rules import AlertService, RuleKind
from tests.e2e.api.support import ApiKeys, bearer
from tests.e2e.harness import World

RULE_OWNER = 5000
SEEDED_GRID = f"grid:{SEEDED_GRID_ID}"
# Random text almost never makes a valid rule; mix in one that is, to reach the insert.
VALID_BODIES = {
    "POST /api/v1/users/{user_id}/alert-rules": {
        "kind": "price_below",
        "target": "ETHUSDT",
        "threshold": "1500.5",
    }
}
EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 6}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Invalid input must be refused with a 4xx, never accepted and never a crash.
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
SCOPE = "/api/v1/deployments/{deployment}"


def base_label(label: str) -> str:
    """`GET /api/v1/deployments/{deployment}/status` → `GET /api/v1/status` (same samples)."""
    method, path = label.split(" ", 1)
    if not path.startswith(SCOPE + "/"):
        return label
    return f"{method} /api/v1{path.removeprefix(SCOPE)}"


def in_default_deployment(case: schemathesis.Case) -> schemathesis.Case:
    """A documented example, sent to the deployment the test world has."""
    if case.path_parameters and "deployment" in case.path_parameters:
        case.path_parameters["deployment"] = "default"
    return case


def pins_for(label: str, pinned: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The fixed path parameters of an operation; the deployment is the one that exists."""
    fixed = pinned.get(base_label(label))
    if "{deployment}" not in label:
        return fixed
    return {**(fixed or {}), "deployment": "default"}


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
        fixed = pins_for(operation.label, pinned)
        strategy = operation.as_strategy(mode, path_parameters=fixed)
        if mode is GenerationMode.POSITIVE and pinned.get(base_label(operation.label)) is None:
            # The documented examples (real ids, real pairs) as often as generated values.
            examples = schema.get_strategies_from_examples(operation)
            strategy = st.one_of(strategy, *(e.map(in_default_deployment) for e in examples))
        if mode is GenerationMode.POSITIVE and base_label(operation.label) in VALID_BODIES:
            body = VALID_BODIES[base_label(operation.label)]
            strategy = st.one_of(
                strategy, operation.as_strategy(mode, path_parameters=fixed, body=body)
            )

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
    # Alert rules need a real owner (and reads a real rule) to get past 404: pin those.
    owner = await api_world.app.user_with_role(RULE_OWNER, Role.TRADER)
    alerts = await api_world.app.frontend.container.get(AlertService)
    actor = Actor(role=Role.TRADER, user_id=owner.user_id, name="owner")
    rule = await alerts.add_rule(actor, RuleKind.PRICE_ABOVE, "BTCUSDT", "90000")
    rules, one_rule = {"user_id": owner.user_id}, {"user_id": owner.user_id, "rule_id": rule.id}
    # The rule read and patched must outlive the DELETEs (the deployment's mount runs after).
    doomed = await alerts.add_rule(actor, RuleKind.SERVICE_DOWN, "any", None)
    doomed_rule = {"user_id": owner.user_id, "rule_id": doomed.id}
    pinned = {
        "DELETE /api/v1/api-keys/{key_id}": {"key_id": api_keys.spare_id},
        "GET /api/v1/users/{user_id}/alert-rules": rules,
        "POST /api/v1/users/{user_id}/alert-rules": rules,
        "GET /api/v1/users/{user_id}/alert-rules/{rule_id}": one_rule,
        "PATCH /api/v1/users/{user_id}/alert-rules/{rule_id}": one_rule,
        "DELETE /api/v1/users/{user_id}/alert-rules/{rule_id}": doomed_rule,
        # grid ids are server-generated UUIDs: only the seeded grid's can start and stop
        "POST /api/v1/strategies/{strategy_id}/start": {"strategy_id": SEEDED_GRID},
        "POST /api/v1/strategies/{strategy_id}/stop": {"strategy_id": SEEDED_GRID},
    }
    base = api_world.app.http_base
    seen, failures = await asyncio.to_thread(
        fuzz, base, api_keys.admin, pinned, GenerationMode.POSITIVE
    )
    assert not failures, "\n\n".join(failures)
    assert len(seen) >= 20
    never = {
        base_label(label) for label, statuses in seen.items() if all(s >= 300 for s in statuses)
    }
    # Every operation really answered at least once, except those only random ids can reach.
    assert never <= {
        "DELETE /api/v1/orders/{symbol}/{order_id}",
        "DELETE /api/v1/users/{user_id}/alert-rules/{rule_id}",
        "DELETE /api/v1/notification-routes/{kind}/{chat_id}",
    }, {k: v for k, v in seen.items() if base_label(k) in never}

    _, failures = await asyncio.to_thread(
        fuzz, base, api_keys.admin, pinned, GenerationMode.NEGATIVE
    )
    assert not failures, "\n\n".join(failures)
