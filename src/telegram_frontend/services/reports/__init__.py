"""services.reports package."""
