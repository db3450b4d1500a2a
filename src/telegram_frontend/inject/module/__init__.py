"""inject module package."""
