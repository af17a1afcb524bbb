"""The gateway's live counters: a snapshot plus later events, each counted exactly once."""
from gateway.counters import LiveCounters

ONE = {"registrations_total": 1}


def counters() -> LiveCounters:
    return LiveCounters({"registration": ("registrations_total",)})


def test_events_at_or_below_the_snapshot_position_are_not_counted_again():
    live = counters()
    live.load_snapshot("registration", seq=10, counters={"registrations_total": 10})
    assert not live.apply_event("registration", 9, ONE)
    assert not live.apply_event("registration", 10, ONE)
    assert live.apply_event("registration", 11, ONE)
    assert live.values["registrations_total"] == 11


def test_events_that_arrive_before_the_snapshot_are_kept_when_newer_than_it():
    live = counters()
    for seq in (11, 12, 13):
        live.apply_event("registration", seq, ONE)
    live.load_snapshot("registration", seq=12, counters={"registrations_total": 12})
    assert live.values["registrations_total"] == 13


def test_a_redelivered_event_counts_once():
    live = counters()
    live.load_snapshot("registration", seq=0, counters={})
    assert live.apply_event("registration", 1, ONE)
    assert not live.apply_event("registration", 1, ONE)
    assert live.values["registrations_total"] == 1


def test_events_out_of_order_count_once_each_and_close_the_gap():
    live = counters()
    live.load_snapshot("registration", seq=5, counters={"registrations_total": 5})
    live.apply_event("registration", 7, ONE)
    assert live.sources_needing_snapshot(gap_grace_seconds=0) == ["registration"]
    live.apply_event("registration", 6, ONE)
    assert live.values["registrations_total"] == 7
    assert live.sources_needing_snapshot(gap_grace_seconds=0) == []


def test_a_gap_that_stays_open_asks_for_a_new_snapshot_only_after_the_grace():
    live = counters()
    live.load_snapshot("registration", seq=5, counters={"registrations_total": 5})
    live.apply_event("registration", 8, ONE)
    assert live.sources_needing_snapshot(gap_grace_seconds=60) == []
    assert live.sources_needing_snapshot(gap_grace_seconds=60, now=10**9) == ["registration"]
    live.load_snapshot("registration", seq=8, counters={"registrations_total": 8})
    assert live.values["registrations_total"] == 8
    assert live.sources_needing_snapshot(gap_grace_seconds=0) == []


def test_a_lost_connection_asks_for_a_new_snapshot_of_every_source():
    live = counters()
    live.load_snapshot("registration", seq=3, counters={"registrations_total": 3})
    live.mark_all_stale()
    assert live.sources_needing_snapshot(gap_grace_seconds=60) == ["registration"]
    live.load_snapshot("registration", seq=9, counters={"registrations_total": 9})
    assert live.sources_needing_snapshot(gap_grace_seconds=60) == []


def test_an_older_snapshot_never_rolls_the_counters_back():
    live = counters()
    live.load_snapshot("registration", seq=9, counters={"registrations_total": 9})
    live.load_snapshot("registration", seq=4, counters={"registrations_total": 4})
    assert live.values["registrations_total"] == 9


def test_changes_are_reported_once_with_their_latest_value():
    live = counters()
    live.load_snapshot("registration", seq=0, counters={})
    live.apply_event("registration", 1, ONE)
    live.apply_event("registration", 2, ONE)
    assert live.take_changes() == {"registrations_total": 2}
    assert live.take_changes() == {}


def test_an_unloaded_source_needs_a_snapshot():
    assert counters().sources_needing_snapshot(gap_grace_seconds=60) == ["registration"]
