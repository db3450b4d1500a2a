"""bot.features.panic package."""
