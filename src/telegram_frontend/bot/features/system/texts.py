"""The text of /status, /health and /metrics: blocks of escaped HTML, ready for `paginate`.

Kept apart from the handlers so each screen reads top to bottom as what the user sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from telegram_frontend.bot.features.system.keyboards import GRAFANA_DASHBOARDS
from telegram_frontend.bot.ui.notes import notes_block
from telegram_frontend.core.formatters import (
    Block,
    age,
    b,
    esc,
    i,
    money,
    price_text,
    qty,
    signed,
    status_icon,
    text_block,
    when,
)
from telegram_frontend.core.i18n import _, __
from telegram_frontend.services.monitoring.health_report import (
    BinanceStatus,
    DeliveryFigures,
    HealthReport,
)
from telegram_frontend.services.monitoring.overview import StatusOverview, TradingGlance
from telegram_frontend.services.monitoring.system_status import (
    ServiceState,
    ServiceStatus,
    SystemSnapshot,
)
from telegram_frontend.services.trading.records import Trade

SERVICE_LABELS = {
    "macd_trader": __("MACD trader"),
    "grid_trader": __("grid trader"),
    "data_storage": __("data storage"),
    "data_collection": __("data collection"),
    "prometheus": __("Prometheus"),
    "trading_db": __("trading database"),
}
STATE_LABELS = {
    ServiceState.UP: __("UP"),
    ServiceState.DEGRADED: __("DEGRADED"),
    ServiceState.DOWN: __("DOWN"),
    ServiceState.UNKNOWN: __("not configured"),
}


def service_label(status: ServiceStatus) -> str:
    label = SERVICE_LABELS.get(status.key)
    return str(label) if label is not None else status.name


def _icon(state: ServiceState) -> str:
    return status_icon(state.value) if state is not ServiceState.UNKNOWN else "⚪"


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("✅" if value else "❌")


def _count(value: Decimal | int | None) -> str:
    return money(value, 0) if value is not None else "—"


def service_line(status: ServiceStatus, with_breaker: bool = False) -> str:
    """`🟢 MACD trader: UP, 12 ms` / `🔴 data storage: DOWN — it did not answer`."""
    line = f"{_icon(status.state)} {esc(service_label(status))}: {esc(STATE_LABELS[status.state])}"
    if status.state is ServiceState.UNKNOWN:
        return line
    if status.latency_ms is not None:
        line += ", " + esc(_("{ms} ms").format(ms=f"{status.latency_ms:.0f}"))
    if with_breaker and status.breaker and status.breaker != "closed":
        line += ", " + esc(_("circuit breaker {state}").format(state=status.breaker))
    if status.reason:
        line += f" — {esc(status.reason)}"
    return line


def _headline(title: str, snapshot: SystemSnapshot, tz: str) -> str:
    overall = snapshot.overall
    troubled = [
        service_label(s)
        for s in snapshot.services
        if s.state in (ServiceState.DOWN, ServiceState.DEGRADED)
    ]
    if overall is ServiceState.UP:
        verdict = _("all services up")
    elif overall is ServiceState.UNKNOWN:
        verdict = _("no service is configured")
    else:
        verdict = _("problems: {services}").format(services=", ".join(troubled))
    return f"{_icon(overall)} {b(title)} — {esc(verdict)}\n" + i(
        _("as of {moment}").format(moment=when(snapshot.taken_at, tz))
    )


def freshness_line(snapshot: SystemSnapshot) -> str:
    fresh = snapshot.freshness
    if fresh.last_event_at is None:
        return esc(_("Last kline event: unknown"))
    text = _("Last kline event: {age} ago ({source})").format(
        age=age(fresh.age_seconds), source=_(fresh.source) if fresh.source else "?"
    )
    return ("⚠️ " if fresh.stale else "") + esc(text)


def trade_line(trade: Trade, tz: str) -> str:
    """`BUY 0.01 BTCUSDT @ 65,000.00 · conservative-btc · 2026-01-05 12:00 UTC`."""
    who = trade.instance_id or trade.strategy_name or "?"
    return (
        f"{esc(trade.side or '?')} {esc(qty(trade.quantity))} {esc(trade.symbol or '?')} "
        f"@ {esc(price_text(trade.price))} · {esc(who)} · {esc(when(trade.at, tz))}"
    )


def _trading_lines(glance: TradingGlance, tz: str) -> list[str]:
    lines = [b(_("Trading"))]
    if glance.strategies_total is None:
        lines.append(esc(_("Strategies: unknown (not every trading service answered)")))
    elif glance.strategies_active is None:
        lines.append(
            esc(
                _("Strategies: {total}, how many are active is unknown").format(
                    total=glance.strategies_total
                )
            )
        )
    else:
        lines.append(
            esc(
                _("Strategies: {active} active of {total}").format(
                    active=glance.strategies_active, total=glance.strategies_total
                )
            )
        )
    if glance.pnl_24h is not None:
        lines.append(esc(_("P&L 24h: {pnl}").format(pnl=signed(glance.pnl_24h, 2, "USDT"))))
    if glance.open_positions is not None:
        lines.append(esc(_("Open positions: {count}").format(count=glance.open_positions)))
    if glance.last_trade is not None:
        lines.append(esc(_("Last trade:")) + " " + trade_line(glance.last_trade, tz))
    elif glance.strategies_total is not None or glance.open_positions is not None:
        lines.append(esc(_("Last trade: none yet")))
    return lines


def status_blocks(overview: StatusOverview, tz: str, title: str | None = None) -> list[Block]:
    """The /status screen; `title` (a deployment's) replaces "System status" when given."""
    snapshot = overview.system
    services = "\n".join(service_line(s) for s in snapshot.services)
    data = [b(_("Market data")), freshness_line(snapshot)]
    ws = snapshot.websocket
    if ws is not None:
        data.append(
            esc(
                _("Websocket: {connections} connection(s), {streams} kline stream(s)").format(
                    connections=_count(ws.active_websocket_connections),
                    streams=_count(ws.active_kline_streams),
                )
            )
        )
    return [
        text_block(_headline(title or _("System status"), snapshot, tz)),
        text_block(""),
        text_block(b(_("Services")) + "\n" + services),
        text_block(""),
        text_block("\n".join(data)),
        text_block(""),
        text_block("\n".join(_trading_lines(overview.trading, tz))),
        *notes_block(overview.unavailable),
    ]


def status_unknown_blocks(title: str, reason: str) -> list[Block]:
    """A deployment whose status could not be read at all: said so, under its title."""
    return [
        text_block(f"⚪ {b(title)} — {esc(_('status unknown'))}"),
        text_block("⚠️ " + esc(reason)),
    ]


def no_answer_reason(seconds: float) -> str:
    return _("no answer within {seconds} s").format(seconds=f"{seconds:g}")


def _state_word(state: str) -> str:
    """A component's state in the reader's language (UP, DOWN, … as on the service lines)."""
    known = {s.value.upper(): label for s, label in STATE_LABELS.items()}
    label = known.get(state.upper())
    return str(label) if label is not None and state.upper() != "UNKNOWN" else state


def _worker_state(state: str) -> str:
    """`running` / `restarting after X` in the reader's language."""
    if state == "running":
        return _("running")
    if state.startswith("restarting after "):
        return _("restarting after {error}").format(error=state.removeprefix("restarting after "))
    return state


def _components_line(components: Mapping[str, str]) -> str:
    shown = ", ".join(
        f"{name} {_state_word(state)}" for name, state in list(components.items())[:12]
    )
    return "    " + esc(_("components: {list}").format(list=shown))


def _binance_line(binance: BinanceStatus | None) -> str:
    title = b(_("Binance API")) + ": "
    if binance is None:
        return title + esc(_("not configured"))
    network = _("testnet") if binance.testnet else _("mainnet")
    if not binance.reachable:
        return title + "🔴 " + esc(binance.error or _("unreachable"))
    weight = "—" if binance.used_weight is None else str(binance.used_weight)
    return (
        title
        + "🟢 "
        + esc(
            _("reachable ({network}), {latency} ms, used weight {weight}/min").format(
                network=network, latency=f"{binance.latency_ms or 0:.0f}", weight=weight
            )
        )
    )


def _backend_blocks(report: HealthReport) -> list[Block]:
    snapshot = report.system
    lines = [b(_("Trading services"))]
    for status in snapshot.services:
        lines.append(service_line(status, with_breaker=True))
        found = report.components.get(status.key)
        if found:
            lines.append(_components_line(found))
    details = []
    conns = snapshot.storage_connections
    if any(v is not None for v in conns.values()):
        details.append(
            b(_("Data storage connections"))
            + ": "
            + f"PostgreSQL {_yes_no(conns['postgres'])}, "
            + f"Elasticsearch {_yes_no(conns['elasticsearch'])}"
        )
    ws = snapshot.websocket
    if ws is not None:
        details.append(
            b(_("Websocket ingest"))
            + ": "
            + esc(
                _(
                    "{active} active, established {established}, failed {failed}, "
                    "closed {closed}; {streams} kline stream(s)"
                ).format(
                    active=_count(ws.active_websocket_connections),
                    established=_count(ws.connections_established),
                    failed=_count(ws.connections_failed),
                    closed=_count(ws.connections_closed),
                    streams=_count(ws.active_kline_streams),
                )
            )
        )
    if snapshot.quality is not None:
        details.append(b(_("Data quality")) + ": " + quality_text(snapshot))
    details.append(freshness_line(snapshot))
    if snapshot.prometheus_targets:
        targets = ", ".join(
            f"{esc(job)} {_yes_no(up)}" for job, up in sorted(snapshot.prometheus_targets.items())
        )
        details.append(b(_("Prometheus targets")) + ": " + targets)
    return [text_block("\n".join(lines)), text_block("\n".join(details))]


def quality_text(snapshot: SystemSnapshot) -> str:
    q = snapshot.quality
    if q is None:
        return "—"
    return esc(
        _("received {received}, saved {saved}, failed {failed}, compensated {compensated}").format(
            received=_count(q.received),
            saved=_count(q.saved),
            failed=_count(q.failed),
            compensated=_count(q.compensated),
        )
    )


def _own_block(report: HealthReport) -> Block:
    ready = report.readiness
    db = ready.database
    db_icon = "🟢" if db.status == "up" else ("🟡" if db.status == "migrating" else "🔴")
    db_text = _("Database: {backend} at revision {revision} (head {head})").format(
        backend=db.backend, revision=db.revision or "—", head=db.head or "—"
    )
    if db.error:
        db_text += f" — {db.error}"
    if report.pool.in_use is not None and report.pool.size is not None:
        db_text += "; " + _("pool {used}/{size} in use").format(
            used=report.pool.in_use, size=report.pool.size
        )
    cache_icon = "🟢" if ready.cache.status == "up" else "🔴"
    cache_text = _("Cache: {backend}").format(backend=ready.cache.backend)
    tg = ready.telegram
    tg_text = (
        _("Telegram: connected ({mode})").format(mode=tg.mode)
        if tg.status == "up"
        else _("Telegram: not connected ({error})").format(error=tg.error or "?")
    )
    workers = ", ".join(
        f"{name} {_worker_state(state)}" for name, state in sorted(ready.workers.items())
    )
    lines = [
        b(_("This bot")),
        f"{db_icon} {esc(db_text)}",
        f"{cache_icon} {esc(cache_text)}",
        f"{'🟢' if tg.status == 'up' else '🔴'} {esc(tg_text)}",
        esc(_("Workers: {list}").format(list=workers or "—")),
        esc(_("Uptime: {uptime}").format(uptime=age(ready.uptime_s))),
    ]
    return text_block("\n".join(lines))


def health_blocks(report: HealthReport, tz: str) -> list[Block]:
    return [
        text_block(_headline(_("Health"), report.system, tz)),
        text_block(""),
        *_backend_blocks(report),
        text_block(""),
        text_block(_binance_line(report.binance)),
        text_block(""),
        _own_block(report),
        *notes_block(report.system.unavailable),
    ]


DELIVERY_RESULTS = {
    "sent": __("sent"),
    "sent_plain": __("sent as plain text"),
    "retry": __("retried"),
    "rate_limited": __("rate-limited"),
    "refused": __("refused"),
    "blocked": __("blocked by the user"),
    "failed": __("failed"),
}


def _deliveries_line(figures: DeliveryFigures) -> str:
    if not figures.deliveries:
        return esc(_("Notifications delivered: none yet"))
    listed = ", ".join(
        f"{DELIVERY_RESULTS.get(result, result)} {_count(n)}"
        for result, n in figures.deliveries.items()
    )
    return esc(_("Notifications: {list}").format(list=listed))


def metrics_blocks(overview: StatusOverview, figures: DeliveryFigures, tz: str) -> list[Block]:
    snapshot, glance = overview.system, overview.trading
    blocks = [
        text_block(
            "📈 "
            + b(_("Key figures"))
            + "\n"
            + i(_("as of {moment}").format(moment=when(snapshot.taken_at, tz)))
        ),
        text_block(""),
    ]
    m = snapshot.trader_metrics
    trader = [b(_("MACD trader"))]
    if m is not None:
        trader += [
            esc(
                _("Signals: {total} (buy {buy}, sell {sell})").format(
                    total=_count(m.signals_total),
                    buy=_count(m.signals_buy),
                    sell=_count(m.signals_sell),
                )
            ),
            esc(_("Realized P&L: {pnl}").format(pnl=signed(m.realized_pnl, 2, "USDT"))),
            esc(_("Active positions: {count}").format(count=_count(m.active_positions))),
        ]
    else:
        trader.append(esc(_("No figures from the MACD trader.")))
    orders = [b(_("Trading database"))]
    orders.append(
        esc(
            _("Trades in 24h: {trades}; strategies' open orders: {orders}").format(
                trades=_count(glance.trades_24h), orders=_count(glance.open_orders)
            )
        )
    )
    klines = [b(_("Kline events (data storage)")), quality_text(snapshot)]
    own = [
        b(_("This bot")),
        _deliveries_line(figures),
        esc(
            _("Outbox: {depth} waiting, oldest {age}").format(
                depth=_count(figures.outbox_depth), age=age(float(figures.outbox_oldest_age_s))
            )
        ),
        esc(
            _("Telegram flood-control answers: {count}").format(count=_count(figures.telegram_429))
        ),
        esc(
            _("Commands handled: {ok} (errors {errors})").format(
                ok=_count(figures.commands), errors=_count(figures.command_errors)
            )
        ),
    ]
    for lines in (trader, orders, klines, own):
        blocks += [text_block("\n".join(lines)), text_block("")]
    blocks.pop()
    return blocks + notes_block(overview.unavailable)


def dashboard_text(unprovisioned: frozenset[str] = frozenset()) -> str:
    """The header, and which dashboards this deployment does not provision."""
    text = "📊 " + b(_("Grafana dashboards")) + "\n" + esc(_("Tap a dashboard to open it."))
    absent = [str(label) for uid, label in GRAFANA_DASHBOARDS.items() if uid in unprovisioned]
    if absent:
        note = _("⚠️ Not provisioned by this deployment: {names}.")
        text += "\n" + esc(note.format(names=", ".join(absent)))
    return text


def dashboard_missing_text() -> str:
    return "📊 " + esc(
        _("Grafana is not configured: set GRAFANA_URL to get links to the dashboards.")
    )
