"""The HTTP routers of the product beyond health and metrics (one place to add one)."""

from __future__ import annotations

from fastapi import APIRouter

from telegram_frontend.config.settings import Settings


def api_routers(settings: Settings) -> list[APIRouter]:
    routers: list[APIRouter] = []
    return routers
