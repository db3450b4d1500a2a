"""What keeps an update Telegram handed to us from being lost: the webhook inbox."""
