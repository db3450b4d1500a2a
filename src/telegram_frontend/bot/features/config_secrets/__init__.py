"""bot.features.config_secrets package."""
