"""clients.binance package."""
