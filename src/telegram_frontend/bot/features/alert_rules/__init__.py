"""bot.features.alert_rules package."""
