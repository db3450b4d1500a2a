"""bot.features.portfolio package."""
