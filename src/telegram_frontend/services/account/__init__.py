"""services.account package."""
