"""sandbox.telegram package."""
