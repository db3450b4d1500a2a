"""bot.features.alerts package."""
