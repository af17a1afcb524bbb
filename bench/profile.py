"""How big each scenario is: `--quick` takes a couple of minutes, the default is the issue's."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    # Contest replay: the province's contest at this scale, this many participants at once
    contest_scale: float
    contest_rate: int  # entry starts (then submits) per second offered, open loop
    # Check-in burst
    attendees: int
    scans: int  # all kinds: first visits, repeats at the same booth, retries, forged
    scan_rate: int  # scans/s offered, open loop
    scan_connections: int
    booths: int
    devices_per_booth: int
    # Event-to-screen latency
    screens: int
    screen_rates: tuple[float, ...]  # registrations per second offered, one step each
    screen_seconds: float
    # WebSocket capacity
    ws_clients: int
    ws_processes: int
    ws_batch: int
    screen_event_rate: float  # events/s published straight to the broker (scenario 3's last step)
    broadcast_seconds: float
    broadcast_rate: float  # registrations per second that keep every push interval busy
    # Ceilings
    amqp_messages: int
    mongo_documents: int
    round_trips: int
    floor_requests: int  # GETs for each request floor
    # Live round: players answering one question, and the connections the bench opens for them
    stage_players: int
    stage_connections: int
    # A province's day in the database: this share of it (1.0: 30,000 attendees, 100,000 check-ins, ...)
    province_scale: float
    # Every scenario stops by itself after this long, finished or not.
    scenario_timeout: float


QUICK = Profile(
    name="quick", contest_scale=0.005, contest_rate=200,
    attendees=150, scans=600, scan_rate=200, scan_connections=400, booths=8, devices_per_booth=5,
    screens=100, screen_rates=(50,), screen_seconds=3, screen_event_rate=200,
    ws_clients=400, ws_processes=2, ws_batch=100,
    broadcast_seconds=3, broadcast_rate=20, amqp_messages=3_000, mongo_documents=10_000,
    round_trips=100, floor_requests=1_000, stage_players=200, stage_connections=20, province_scale=0.1,
    scenario_timeout=45,
)

FULL = Profile(
    name="full", contest_scale=0.05, contest_rate=300,
    attendees=4_000, scans=30_000, scan_rate=1_000, scan_connections=2_000, booths=8, devices_per_booth=5,
    screens=1_000, screen_rates=(40,), screen_seconds=10, screen_event_rate=500, ws_clients=10_000, ws_processes=4,
    ws_batch=250, broadcast_seconds=10, broadcast_rate=20, amqp_messages=50_000,
    mongo_documents=100_000, round_trips=500, floor_requests=10_000, stage_players=2_000, stage_connections=20,
    province_scale=1.0, scenario_timeout=300,
)
