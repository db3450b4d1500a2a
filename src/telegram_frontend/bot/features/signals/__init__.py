"""/signals: why a strategy is (not) trading, from its logged decisions."""
