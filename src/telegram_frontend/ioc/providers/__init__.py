"""ioc.providers package."""
