"""bot.ui package."""
