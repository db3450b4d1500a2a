"""services.notifications package."""
