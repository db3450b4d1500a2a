"""Telegram bot and HTTP API for the Binance AI Traders system."""
