"""What a multi-source answer carries when some of its sources failed.

One backend being down must not blank a whole screen: services return what they could gather
plus one `Unavailable` note per missing source, and the door renders the notes as sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from telegram_frontend.core.errors import BackendError, FrontendError

T = TypeVar("T")


@dataclass(frozen=True)
class Unavailable:
    """A source that could not contribute: which service, and a sentence for the user."""

    service: str
    sentence: str

    @classmethod
    def from_error(cls, service: str, error: FrontendError) -> Unavailable:
        name = error.service if isinstance(error, BackendError) else service
        return cls(name, error.user_message)


@dataclass(frozen=True)
class Partial(Generic[T]):
    """Items gathered from every source that answered, and notes about those that did not."""

    items: list[T] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unavailable
