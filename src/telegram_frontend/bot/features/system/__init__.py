"""bot.features.system package."""
