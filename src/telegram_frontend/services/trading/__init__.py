"""services.trading package."""
