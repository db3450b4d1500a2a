"""The deployments this bot serves, each with its own trading services."""
