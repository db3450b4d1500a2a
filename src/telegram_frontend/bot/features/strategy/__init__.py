"""bot.features.strategy package."""
