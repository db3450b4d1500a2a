"""bot.features.access package."""
