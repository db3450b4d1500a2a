"""sandbox.binance package."""
