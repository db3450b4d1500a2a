"""bot.features.reports package."""
