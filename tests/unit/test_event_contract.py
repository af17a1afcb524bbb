"""The event contract: each model names its source, its name and its counters; the gateway binds what it handles."""
import json

import pytest

from gateway.events import EventBus
from gateway.rounds import RoundHubs
from gateway.stats_feed import LiveStats
from gateway.viewers import ViewerHub
from shared.events import (
    EVENTS,
    AttendeeRegistered,
    CheckinsRecorded,
    CountedEvent,
    Event,
    LiveComment,
    LiveReaction,
    LiveViewers,
    QuizEntriesSubmitted,
    QuizRoundEvent,
    Source,
    exchange_name,
)
from shared.stats import COUNTERS, KEYED_COUNTERS, LEAST_COUNTERS

# A payload of each counting event, as its service reads it before numbering the change.
COUNTED_FIELDS = {
    AttendeeRegistered: {"code": "ABCDEFG"},
    CheckinsRecorded: {"by_booth": {"5g": 2, "ai": 1}, "unique_visitors": 2, "passports_completed": 1},
    LiveReaction: {"counts": {"like": 2, "wow": 0}},
    LiveComment: {"kind": "question"},
    QuizEntriesSubmitted: {"entries": {"tinh": 2}, "perfect_entries": {"tinh": 1}, "participants": {"tinh": 1},
                           "perfect_participants": {"tinh": 1}, "fastest_perfect_seconds": {"tinh": 61.5}},
}


def concrete_events(base: type[Event] = Event) -> list[type[Event]]:
    """Every class below `base` that is not a shared base of others."""
    found = []
    for sub in base.__subclasses__():
        found += concrete_events(sub) if sub in (CountedEvent, QuizRoundEvent) else [sub, *concrete_events(sub)]
    return found


def test_every_event_model_has_a_source_and_a_name_and_is_known_by_them_alone():
    models = concrete_events()
    assert len(models) == 18
    for model in models:
        assert isinstance(model.SOURCE, Source) and model.NAME, model
        assert EVENTS[(model.SOURCE, model.NAME)] is model
    assert len(EVENTS) == len(models)  # (source, name) is unique


def test_a_second_model_for_the_same_source_and_name_is_refused():
    with pytest.raises(TypeError, match="LiveViewers"):
        class Twin(Event):
            SOURCE = Source.LIVESTREAM
            NAME = LiveViewers.NAME
    assert EVENTS[(Source.LIVESTREAM, LiveViewers.NAME)] is LiveViewers


def test_an_event_moves_only_the_counters_it_declares():
    for model, fields in COUNTED_FIELDS.items():
        assert set(model.deltas(fields)) <= set(model.COUNTERS), model
    assert set(LiveViewers(now=3, peak=9).gauges()) == set(LiveViewers.COUNTERS)
    counting = {model for model in EVENTS.values() if model.COUNTERS and issubclass(model, CountedEvent)}
    assert counting == set(COUNTED_FIELDS)


def test_the_counter_tables_come_from_the_declarations():
    assert COUNTERS[Source.CHECKIN] == ("checkins_total", "unique_visitors", "checkins_by_booth",
                                        "passports_completed")
    assert COUNTERS[Source.LIVESTREAM] == ("live_reactions_total", "live_reactions_by_kind", "live_comments_total",
                                           "live_questions_total", "live_viewers_now", "live_viewers_peak")
    assert LEAST_COUNTERS == {"quiz_fastest_perfect_seconds"}
    assert KEYED_COUNTERS == {"checkins_by_booth", "live_reactions_by_kind", *QuizEntriesSubmitted.COUNTERS}
    assert QuizEntriesSubmitted.deltas(COUNTED_FIELDS[QuizEntriesSubmitted]) == {
        "quiz_entries": {"tinh": 2}, "quiz_perfect_entries": {"tinh": 1}, "quiz_participants": {"tinh": 1},
        "quiz_perfect_participants": {"tinh": 1}, "quiz_fastest_perfect_seconds": {"tinh": 61.5}}


def test_the_gateway_binds_exactly_the_events_its_handlers_subscribe_to():
    bus = EventBus()
    live = LiveStats("amqp://unused", rpc=None, bus=bus)  # type: ignore[arg-type]  # nothing is called
    ViewerHub(None, live, bus)  # type: ignore[arg-type]
    RoundHubs(None, bus, None)  # type: ignore[arg-type]
    assert sorted(bus.bindings()) == sorted([
        (Source.REGISTRATION, "attendee.registered"), (Source.CHECKIN, "checkins.recorded"),
        (Source.QUIZ, "quiz.entries_submitted"), (Source.LIVESTREAM, "live.reaction"),
        (Source.LIVESTREAM, "live.comment_posted"), (Source.LIVESTREAM, "live.viewers"),
        (Source.LIVESTREAM, "live.comment_moderated"), (Source.LIVESTREAM, "live.question_upvoted"),
        *((Source.QUIZ, name) for name in ("quiz.question_opened", "quiz.question_closed", "quiz.answer_revealed",
                                           "quiz.round_finished", "quiz.answer_received", "quiz.players_joined"))])


def test_the_bus_hands_each_valid_event_to_its_subscribers_as_its_model_and_drops_the_rest():
    bus, heard, observed = EventBus(), [], []
    bus.subscribe(LiveViewers, heard.append)
    bus.observe(observed.append)
    assert bus.bindings() == [(Source.LIVESTREAM, "live.viewers")]
    exchange = exchange_name(Source.LIVESTREAM)
    bus.handle_message(exchange, "live.viewers", json.dumps({"now": 3, "peak": 9}).encode())
    bus.handle_message(exchange, "live.viewers", b"not json")
    bus.handle_message(exchange, "live.viewers", json.dumps({"now": "many"}).encode())
    bus.handle_message(exchange, "live.reaction", json.dumps({"stream": "s", "seq": 1, "batch_id": "b",
                                                              "counts": {}}).encode())  # nobody subscribed
    bus.handle_message(exchange_name(Source.QUIZ), "live.viewers", json.dumps({"now": 1, "peak": 1}).encode())
    assert heard == observed == [LiveViewers(now=3, peak=9)]
    with pytest.raises(RuntimeError):
        bus.subscribe(LiveReaction, heard.append)  # bound already: it would never hear one


def test_the_live_counters_apply_an_event_by_its_declared_rule():
    bus = EventBus()
    live = LiveStats("amqp://unused", rpc=None, bus=bus)  # type: ignore[arg-type]
    bus.bindings()
    live.counters.load_snapshot("checkin", {"streams": {}})
    live.counters.load_snapshot("livestream", {"streams": {}})
    payload = {"stream": "checkin/0", "seq": 1, "recorded_at": "2025-05-01T08:00:00Z",
               **COUNTED_FIELDS[CheckinsRecorded]}
    bus.handle_message(exchange_name(Source.CHECKIN), "checkins.recorded", json.dumps(payload).encode())
    bus.handle_message(exchange_name(Source.CHECKIN), "checkins.recorded", json.dumps(payload).encode())  # again
    bus.handle_message(exchange_name(Source.LIVESTREAM), "live.viewers", json.dumps({"now": 4, "peak": 7}).encode())
    values = live.counters.values
    assert (values["checkins_total"], values["unique_visitors"], values["passports_completed"]) == (3, 2, 1)
    assert values["checkins_by_booth"] == {"5g": 2, "ai": 1}
    assert (values["live_viewers_now"], values["live_viewers_peak"]) == (4, 7)
