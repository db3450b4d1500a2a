"""bot.features package."""
