"""bot.features.logs package."""
