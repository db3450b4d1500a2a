"""Short-lived shared state: the cache (Redis or in-process), TTL memos, rate limits and
dialog state."""
