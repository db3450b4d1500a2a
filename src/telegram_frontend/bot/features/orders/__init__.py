"""bot.features.orders package."""
