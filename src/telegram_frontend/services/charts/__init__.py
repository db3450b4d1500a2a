"""services.charts package."""
