"""clients.trading package."""
