"""bot.features.fallback package."""
