"""Commands: work a gateway hands a service durably, to be written in batches.

A command travels as a persistent JSON message through the durable direct exchange
`ndld.commands` to the durable queue of its stream, routed by the stream's name. The gateway
says "received" only once the broker confirmed it; the owning service consumes the queue in
batches (`shared.batches`). A command the gateway must answer with data carries `reply_to` and
`correlation_id`: the service replies once the batch is stored. One stream keeps its order: a
question's close travels behind the answers sent before it, so the histogram counts every one.
"""
from enum import StrEnum

from kombu import Exchange, Queue

EXCHANGE = "ndld.commands"
# One consumer at a time takes a stream, even with several replicas of its service: the order holds
# (a close stays behind the answers), and another replica takes over when that one goes.
QUEUE_ARGUMENTS = {"x-single-active-consumer": True}


class Stream(StrEnum):
    """Each stream is one queue, consumed by the service that owns it."""

    ROUND = "quiz.round"  # live answers and the MC's close of a question, in arrival order
    SCANS = "checkin.scans"  # badge scans from the booths' devices, each answered with its outcome
    CONTEST = "quiz.contest"  # contest entries started and submitted, each answered with the entry or its score


def exchange() -> Exchange:
    return Exchange(EXCHANGE, type="direct", durable=True)


def queue(stream: Stream) -> Queue:
    """The stream's queue, declared alike by the gateway (so a command outlives a stopped
    service) and by the consuming service. On the cluster it is a quorum queue (the broker's
    default queue type there)."""
    return Queue(str(stream), exchange(), routing_key=str(stream), durable=True, queue_arguments=QUEUE_ARGUMENTS)
