"""sandbox.backends package."""
