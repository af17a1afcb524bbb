"""How a service publishes: `self.publish(SomeEvent(...))`, the model alone saying where it goes."""
from collections.abc import Callable
from typing import Any

from nameko.events import EventDispatcher

from shared.events import Event

Publish = Callable[[Event], None]


class EventPublisher(EventDispatcher):  # nameko ships no type hints
    """nameko's dispatcher taking an event model: routing key its NAME, body its fields as JSON.

    The exchange is the service's own (`<service>.events`), so an event of another source is refused
    rather than published where no gateway listens for it."""

    def get_dependency(self, worker_ctx: Any) -> Publish:
        dispatch = super().get_dependency(worker_ctx)
        service = self.container.service_name

        def publish(event: Event) -> None:
            if event.SOURCE != service:
                raise ValueError(f"{service} cannot publish {event.SOURCE}'s {event.NAME}")
            dispatch(event.NAME, event.model_dump(mode="json"))
        return publish
