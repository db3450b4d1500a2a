"""bot.features.config package."""
