"""bot.features.deployments package."""
