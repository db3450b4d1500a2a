"""services.admin package."""
