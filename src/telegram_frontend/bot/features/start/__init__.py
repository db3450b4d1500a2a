"""bot.features.start package."""
