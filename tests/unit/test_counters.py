"""The gateway's live counters: snapshots plus later events, each counted exactly once."""
import time

from gateway.counters import LiveCounters
from shared.events import QuizEntriesSubmitted, Source
from shared.stats import COUNTERS

ONE = {"registrations_total": 1}
A, B = "registration/0", "registration/1"


def counters() -> LiveCounters:
    return LiveCounters({"registration": ("registrations_total",)})


def snapshot(**streams: int) -> dict:
    """Each stream's position, with as many registrations counted."""
    return {"streams": {f"registration/{k[1:]}": {"seq": n, "counters": {"registrations_total": n}}
                        for k, n in streams.items()}}


def test_events_at_or_below_their_stream_position_are_not_counted_again():
    live = counters()
    live.load_snapshot("registration", snapshot(s0=10, s1=4))
    assert live.values["registrations_total"] == 14
    assert not live.apply_event("registration", A, 10, ONE)
    assert live.apply_event("registration", B, 5, ONE)
    assert live.apply_event("registration", "registration/7", 1, ONE)  # a shard new since the snapshot
    assert live.values["registrations_total"] == 16


def test_events_that_arrive_before_the_snapshot_are_kept_when_newer_than_it():
    live = counters()
    for seq in (11, 12, 13):
        live.apply_event("registration", A, seq, ONE)
    live.apply_event("registration", B, 1, ONE)
    live.load_snapshot("registration", snapshot(s0=12))
    assert live.values["registrations_total"] == 12 + 1 + 1


def test_a_redelivered_event_counts_once():
    live = counters()
    live.load_snapshot("registration", snapshot())
    assert live.apply_event("registration", A, 1, ONE)
    assert not live.apply_event("registration", A, 1, ONE)
    assert live.values["registrations_total"] == 1


def test_events_out_of_order_count_once_each_and_close_the_gap():
    live = counters()
    live.load_snapshot("registration", snapshot(s0=5))
    live.apply_event("registration", A, 7, ONE)
    assert live.sources_needing_snapshot(gap_grace_seconds=0) == ["registration"]
    live.apply_event("registration", A, 6, ONE)
    assert live.values["registrations_total"] == 7
    assert live.sources_needing_snapshot(gap_grace_seconds=0) == []


def test_a_gap_that_stays_open_asks_for_a_new_snapshot_only_after_the_grace():
    live = counters()
    live.load_snapshot("registration", snapshot(s0=5))
    live.apply_event("registration", A, 8, ONE)
    assert live.sources_needing_snapshot(gap_grace_seconds=60) == []
    assert live.sources_needing_snapshot(gap_grace_seconds=60, now=10**9) == ["registration"]
    live.load_snapshot("registration", snapshot(s0=8))
    assert live.values["registrations_total"] == 8
    assert live.sources_needing_snapshot(gap_grace_seconds=0) == []


def test_an_event_lost_last_is_mended_by_the_next_snapshot_once_the_last_grows_old():
    """The service committed but could not publish (its broker restarted): no hole shows it."""
    live = counters()
    live.load_snapshot("registration", snapshot(s0=5))
    loaded = time.monotonic()
    assert live.sources_needing_snapshot(gap_grace_seconds=2, max_age_seconds=30, now=loaded + 29) == []
    assert live.sources_needing_snapshot(gap_grace_seconds=2, max_age_seconds=30, now=loaded + 31) == ["registration"]
    live.load_snapshot("registration", snapshot(s0=6))
    assert live.values["registrations_total"] == 6


def test_a_lost_connection_asks_for_a_new_snapshot_of_every_source():
    live = LiveCounters({"registration": ("registrations_total",), "livestream": ("live_viewers_now",)})
    live.load_snapshot("registration", snapshot(s0=3))
    live.load_snapshot("livestream", {"streams": {}})
    live.mark_all_stale()
    assert live.sources_needing_snapshot(gap_grace_seconds=60) == ["registration", "livestream"]
    live.load_snapshot("registration", snapshot(s0=9))
    assert live.sources_needing_snapshot(gap_grace_seconds=60) == ["livestream"]


def test_an_older_snapshot_never_rolls_a_stream_back():
    live = counters()
    live.load_snapshot("registration", snapshot(s0=9))
    live.load_snapshot("registration", snapshot(s0=4))
    assert live.values["registrations_total"] == 9


def test_gauges_take_the_latest_value():
    live = LiveCounters({"livestream": ("live_viewers_now",)})
    live.load_snapshot("livestream", {"streams": {}, "gauges": {"live_viewers_now": 40}})
    live.set_gauges("livestream", {"live_viewers_now": 12})
    assert live.values["live_viewers_now"] == 12


def test_changes_are_reported_once_with_their_latest_value():
    live = counters()
    live.load_snapshot("registration", snapshot())
    live.apply_event("registration", A, 1, ONE)
    live.apply_event("registration", B, 1, ONE)
    assert live.take_changes() == {"registrations_total": 2}
    assert live.take_changes() == {}


def test_an_unloaded_source_needs_a_snapshot():
    assert counters().sources_needing_snapshot(gap_grace_seconds=60) == ["registration"]


def quiz_submitted(contest: str, seconds: float, perfect: bool = True, first: bool = True) -> dict:
    return QuizEntriesSubmitted.deltas({
        "entries": {contest: 1}, "perfect_entries": {contest: int(perfect)}, "participants": {contest: int(first)},
        "perfect_participants": {contest: int(perfect and first)},
        "fastest_perfect_seconds": {contest: seconds} if perfect else {}})


def test_every_quiz_figure_belongs_to_its_contest():
    live = LiveCounters({"quiz": COUNTERS[Source.QUIZ]})
    live.load_snapshot("quiz", {"streams": {}})
    live.apply_event("quiz", "quiz/0", 1, quiz_submitted("tinh", 80))
    live.apply_event("quiz", "quiz/1", 1, quiz_submitted("tinh", 65, first=False))
    live.apply_event("quiz", "quiz/0", 2, quiz_submitted("tinh", 70, perfect=False))
    live.apply_event("quiz", "quiz/2", 1, quiz_submitted("fresh1", 90))
    live.apply_event("quiz", "quiz/2", 2, quiz_submitted("fresh1", 99, perfect=False, first=False))
    assert live.values == {
        "quiz_participants": {"tinh": 2, "fresh1": 1}, "quiz_entries": {"tinh": 3, "fresh1": 2},
        "quiz_perfect_participants": {"tinh": 1, "fresh1": 1}, "quiz_perfect_entries": {"tinh": 2, "fresh1": 1},
        "quiz_fastest_perfect_seconds": {"tinh": 65.0, "fresh1": 90.0}}


def test_a_record_time_is_the_least_over_shards_in_any_order_and_a_snapshot_keeps_it():
    live = LiveCounters({"quiz": COUNTERS[Source.QUIZ]})
    live.apply_event("quiz", "quiz/3", 2, quiz_submitted("tinh", 50))  # before the snapshot, newer than it
    live.load_snapshot("quiz", {"streams": {
        "quiz/3": {"seq": 1, "counters": {"quiz_entries": {"tinh": 1}, "quiz_fastest_perfect_seconds": {"tinh": 60}}},
        "quiz/4": {"seq": 1, "counters": {"quiz_entries": {"tinh": 1}, "quiz_fastest_perfect_seconds": {"tinh": 40}}},
    }})
    assert live.values["quiz_fastest_perfect_seconds"] == {"tinh": 40}
    assert live.values["quiz_entries"] == {"tinh": 3}
    assert not live.apply_event("quiz", "quiz/3", 2, quiz_submitted("tinh", 30))  # a redelivery changes nothing
    assert live.values["quiz_fastest_perfect_seconds"] == {"tinh": 40}
