"""bot.middlewares package."""
