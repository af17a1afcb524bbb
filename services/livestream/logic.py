"""Livestream rules: what viewers may post, the organisers' word list, rate limits. No I/O."""
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from shared.errors import ValidationFailed
from shared.events import REACTION_KINDS
from shared.numbers import is_whole_number
from shared.text import clean_text

COMMENT, QUESTION = "comment", "question"
VISIBLE, PENDING, HIDDEN = "visible", "pending", "hidden"
TEXT_MAX = {COMMENT: 300, QUESTION: 200}
NAME_MAX = 40
VIEWER_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")
BLOCKED_WORDS_MAX = 500
BLOCKED_WORD_MAX = 40
REACTIONS_PER_BATCH_MAX = 1_000_000
# A viewer may post a comment once every 5 seconds and 5 a minute, and a question likewise:
# each kind has its own allowance, so a question right after a comment is not refused.
POST_SPACING = timedelta(seconds=5)
POSTS_PER_MINUTE = 5
OWN_QUESTION = "own_question"

ACTIONS = {
    "approve": {"status": VISIBLE},
    # A hidden post is no longer pinned: approving it again must not bring it back on top.
    "hide": {"status": HIDDEN, "pinned": False},
    "pin": {"pinned": True, "status": VISIBLE},
    "unpin": {"pinned": False},
    "answered": {"answered": True},
}
_EMBED_HOSTS = {
    "www.youtube.com": "/embed/", "youtube.com": "/embed/", "www.youtube-nocookie.com": "/embed/",
    "www.facebook.com": "/plugins/video.php", "facebook.com": "/plugins/video.php",
}


@dataclass(frozen=True)
class NewPost:
    kind: str
    viewer_id: str
    name: str
    text: str


def validate_post(kind: Any, viewer_id: Any, name: Any, text: Any) -> NewPost:
    errors: dict[str, str] = {}
    if kind not in TEXT_MAX:
        errors["kind"] = "unknown_kind"
    if not isinstance(viewer_id, str) or not VIEWER_ID.fullmatch(viewer_id):
        errors["viewer_id"] = "invalid_viewer_id"
    cleaned: dict[str, str] = {}
    for field, value, limit in (("name", name, NAME_MAX), ("text", text, TEXT_MAX.get(kind, 300))):
        try:
            cleaned[field] = clean_text(value)
        except TypeError:
            errors[field] = "not_text"
            continue
        if not cleaned[field]:
            errors[field] = "required"
        elif len(cleaned[field]) > limit:
            errors[field] = "too_long"
    if errors:
        raise ValidationFailed(errors)
    return NewPost(kind=kind, viewer_id=viewer_id, name=cleaned["name"], text=cleaned["text"])


def fold(text: str) -> str:
    """Lower case without diacritics, so "Đồ Ngốc", "do ngoc" and "ĐỒ NGỐC" match one entry."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text.lower())
                       if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", fold(text))) + " "


def contains_blocked(text: str, blocked: Iterable[str]) -> bool:
    """Whether any listed word or phrase appears as whole words (so "class" does not hit "ass")."""
    haystack = _words(text)
    return any(needle.strip() and f" {needle.strip()} " in haystack for needle in map(_words, blocked))


def initial_status(flagged: bool, require_approval: bool) -> str:
    """A post with a listed word waits for a moderator, as every post does when approval is on."""
    return PENDING if flagged or require_approval else VISIBLE


def retry_after(kind: str, recent: Iterable[tuple[str, datetime]], now: datetime) -> int | None:
    """Seconds the viewer must wait before posting this kind again, or None.

    `recent` is the viewer's last minute of posts as (kind, time); only the same kind counts.
    """
    times = [at for posted_kind, at in recent if posted_kind == kind]
    waits = []
    if times and now - max(times) < POST_SPACING:
        waits.append(POST_SPACING - (now - max(times)))
    if len(times) >= POSTS_PER_MINUTE:
        oldest_counted = sorted(times)[-POSTS_PER_MINUTE]
        waits.append(timedelta(minutes=1) - (now - oldest_counted))
    if not waits:
        return None
    return max(1, int(max(waits).total_seconds() + 0.999))


def upvote_refusal(asker_id: str, viewer_id: str) -> str | None:
    """Why this upvote is refused, or None: a viewer cannot push their own question up."""
    return OWN_QUESTION if asker_id == viewer_id else None


def validate_reactions(counts: Any) -> dict[str, int]:
    """A batch of taps: known kinds, whole non-negative numbers; zero kinds dropped."""
    if not isinstance(counts, Mapping):
        raise ValidationFailed({"counts": "not_counts"})
    clean: dict[str, int] = {}
    for kind, n in counts.items():
        if kind not in REACTION_KINDS or not is_whole_number(n, 0, REACTIONS_PER_BATCH_MAX):
            raise ValidationFailed({"counts": "not_counts"})
        if n:
            clean[kind] = n
    return clean


def validate_stream_url(url: Any) -> str:
    """An embeddable live video: a YouTube or Facebook embed, or an HLS playlist, over HTTPS."""
    if url in (None, ""):
        return ""
    if not isinstance(url, str) or len(url) > 500:
        raise ValidationFailed({"stream_url": "invalid_stream_url"})
    parts = urlparse(url.strip())
    embed_path = _EMBED_HOSTS.get(parts.hostname or "")
    if parts.scheme != "https" or not (
            (embed_path and parts.path.startswith(embed_path)) or parts.path.endswith(".m3u8")):
        raise ValidationFailed({"stream_url": "invalid_stream_url"})
    return url.strip()


def validate_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    stream_url = validate_stream_url(raw.get("stream_url"))
    require_approval = raw.get("comments_require_approval", False)
    if not isinstance(require_approval, bool):
        raise ValidationFailed({"comments_require_approval": "invalid_boolean"})
    words = raw.get("blocked_words", [])
    if not isinstance(words, list) or len(words) > BLOCKED_WORDS_MAX or not all(
            isinstance(w, str) and len(w) <= BLOCKED_WORD_MAX for w in words):
        raise ValidationFailed({"blocked_words": "invalid_word_list"})
    unique = list(dict.fromkeys(clean_text(w) for w in words if clean_text(w)))
    return {"stream_url": stream_url, "comments_require_approval": require_approval, "blocked_words": unique}


def poster_tag(viewer_id: str) -> str:
    """What moderators see of who posted: one tag per viewer, to spot the same poster again. The viewer id
    itself proves a person's posts when they ask for them to be erased, so it stays on their phone."""
    return hashlib.sha256(viewer_id.encode()).hexdigest()[:8]
