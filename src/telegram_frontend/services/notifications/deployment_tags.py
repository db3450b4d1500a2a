"""Which deployment a notice is about, and how that shows when the bot serves several.

With one deployment a notice only records its deployment's name (for routes and mutes); its
words and keys stay as they were. With several, its first line names the deployment and its
dedupe and thread keys carry the name, so trade #1 of testnet and trade #1 of mainnet are two
notifications, and a mainnet follow-up never replies to a testnet message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram_frontend.core.formatters import b
from telegram_frontend.services.notifications.types import Audience, Notice


@dataclass(frozen=True)
class DeploymentTag:
    """A deployment as its notices name it; `shown` when there are several."""

    name: str
    title: str
    shown: bool

    def key(self, key: str) -> str:
        """A dedupe or thread key of this deployment's notices."""
        return f"{self.name}:{key}" if self.shown else key

    def apply(self, notice: Notice) -> Notice:
        if notice.deployment is not None:
            return notice  # tagged already
        if not self.shown:
            return replace(notice, deployment=self.name)
        render, heading = notice.render, b(self.title)

        def titled(audience: Audience) -> str:
            return f"{heading}\n{render(audience)}"

        return replace(
            notice,
            deployment=self.name,
            key=self.key(notice.key),
            thread_key=self.key(notice.thread_key) if notice.thread_key else None,
            render=titled,
        )
