"""bot.features.admin package."""
