"""services.monitoring package."""
