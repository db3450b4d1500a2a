"""Callback data of the system, logs, strategy and performance screens fits Telegram's 64 bytes."""

from __future__ import annotations

import secrets

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import given
from hypothesis import strategies as st

from telegram_frontend.bot.features.logs.callbacks import LogsPage, logs_query_key
from telegram_frontend.bot.features.orders.callbacks import CancelSymbol
from telegram_frontend.bot.features.performance.callbacks import (
    PerformanceChart,
    PerformancePeriod,
)
from telegram_frontend.bot.features.signals.callbacks import (
    IndicatorRefresh,
    IndicatorRefreshConfirm,
)
from telegram_frontend.bot.features.strategy.callbacks import (
    CardAction,
    StrategyCard,
    StrategyConfirm,
    StrategyPage,
)
from telegram_frontend.bot.features.system.callbacks import Screen, ScreenRefresh
from telegram_frontend.bot.ui.callbacks import (
    CALLBACK_DATA_LIMIT,
    Confirm,
    DeploymentPick,
    Page,
)
from telegram_frontend.bot.ui.strategy_refs import strategy_hash, strategy_id_of, strategy_ref
from telegram_frontend.services.admin.logs import LEVELS
from telegram_frontend.services.trading.performance import Period

INSTANCE_IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", fullmatch=True)


def packed_size(data: CallbackData) -> int:
    return len(data.pack().encode())


def test_the_largest_values_of_every_factory_fit_in_64_bytes() -> None:
    longest_id = "macd:" + "x" * 100
    worst = [
        ScreenRefresh(screen=Screen.METRICS),
        StrategyPage(page=99_999),
        StrategyCard(action=CardAction.START, ref=strategy_ref(longest_id)),
        StrategyConfirm(token=secrets.token_urlsafe(9), ok=True),
        PerformancePeriod(period=Period.MONTH),
        PerformanceChart(period=Period.MONTH),
        LogsPage(page=99_999, level=max(LEVELS, key=len), query=logs_query_key("q" * 100)),
    ]
    assert max(packed_size(d) for d in worst) <= CALLBACK_DATA_LIMIT


LONGEST_DEPLOYMENT = "d" * 24  # core/deployments.NAME_PATTERN allows 24 characters


def test_buttons_of_a_deployment_with_the_longest_name_still_fit() -> None:
    dep = LONGEST_DEPLOYMENT
    longest_id = "macd:" + "x" * 100
    worst = [
        ScreenRefresh(screen=Screen.METRICS, dep=dep),
        StrategyPage(page=99_999, dep=dep),
        StrategyCard(action=CardAction.START, ref=strategy_ref(longest_id, dep), dep=dep),
        StrategyCard(action=CardAction.START, ref=strategy_ref("macd:" + "y" * 15, dep), dep=dep),
        StrategyConfirm(token=secrets.token_urlsafe(9), ok=True, dep=dep),
        PerformancePeriod(period=Period.MONTH, dep=dep),
        PerformanceChart(period=Period.MONTH, dep=dep),
        IndicatorRefresh(ref=strategy_ref(longest_id, dep), dep=dep),
        IndicatorRefreshConfirm(token=secrets.token_urlsafe(9), ok=True, dep=dep),
        Confirm(scope="ud", token=secrets.token_urlsafe(9), yes=True, dep=dep),
        Page(view="orders", page=99_999, dep=dep),
        CancelSymbol(symbol="A" * 20, dep=dep),
        DeploymentPick(dep=dep, token=secrets.token_urlsafe(6)),
    ]
    assert max(packed_size(d) for d in worst) <= CALLBACK_DATA_LIMIT


@given(INSTANCE_IDS, st.sampled_from(list(CardAction)), st.sampled_from(["", "mainnet", "d" * 24]))
def test_any_strategy_id_fits_beside_any_deployment_name(
    instance: str, action: CardAction, dep: str
) -> None:
    data = StrategyCard(action=action, ref=strategy_ref(f"macd:{instance}", dep), dep=dep)
    assert packed_size(data) <= CALLBACK_DATA_LIMIT
    assert StrategyCard.unpack(data.pack()) == data


@given(INSTANCE_IDS, st.sampled_from(list(CardAction)))
def test_any_strategy_id_packs_under_the_limit_and_unpacks_to_the_same_ref(
    instance: str, action: CardAction
) -> None:
    strategy_id = f"macd:{instance}"
    data = StrategyCard(action=action, ref=strategy_ref(strategy_id))
    assert packed_size(data) <= CALLBACK_DATA_LIMIT
    back = StrategyCard.unpack(data.pack())
    assert back == data
    resolved = strategy_id_of(back.ref)
    assert resolved == strategy_id or (
        resolved is None and back.ref == "#" + strategy_hash(strategy_id)
    )


@pytest.mark.parametrize(
    ("strategy_id", "ref"),
    [
        ("macd:conservative-btc", "mconservative-btc"),
        ("grid:12", "g12"),
        ("macd:" + "a" * 41, "#" + strategy_hash("macd:" + "a" * 41)),
    ],
)
def test_short_ids_travel_readably_and_long_ones_as_a_hash(strategy_id: str, ref: str) -> None:
    assert strategy_ref(strategy_id) == ref


def test_a_ref_of_an_unknown_kind_is_passed_on_for_the_service_to_reject() -> None:
    assert strategy_id_of("x-odd") == "x-odd"
    assert strategy_id_of("") is None


def test_the_logs_filter_key_is_stable_and_empty_without_a_filter() -> None:
    assert logs_query_key("disk full") == logs_query_key("disk full")
    assert logs_query_key("disk full") != logs_query_key("disk_full")
    assert logs_query_key("") == ""
