"""Who joined each live round since the big screen was last told: one lobby event per round every half
second carries them all, so a thousand joins make a few messages, not a thousand."""
from typing import Any

from nameko.extensions import DependencyProvider

# How often the big screen hears of new players, at most.
ANNOUNCE_SECONDS = 0.5
# Enough names to fill the screen; the count says how many joined in all.
LOBBY_NAMES_MAX = 60


class News:
    """New players' nicknames per round, kept in memory by this service process until taken."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}

    def joined(self, round_id: str, name: str) -> None:
        names = self._names.setdefault(round_id, [])
        names.append(name)
        del names[:-LOBBY_NAMES_MAX]  # only the newest reach the screen

    def take(self) -> dict[str, list[str]]:
        """Every round's newest names since the last take, and none kept."""
        news, self._names = self._names, {}
        return news


class LobbyNews(DependencyProvider):
    def setup(self) -> None:
        self.news = News()

    def get_dependency(self, worker_ctx: Any) -> News:
        return self.news
