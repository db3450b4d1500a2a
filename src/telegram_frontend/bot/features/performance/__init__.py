"""bot.features.performance package."""
