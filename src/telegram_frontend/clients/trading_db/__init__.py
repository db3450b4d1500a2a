"""clients.trading_db package."""
