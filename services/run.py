"""Start one service: `python -m services.run registration`. Config comes from Settings."""
import warnings

warnings.filterwarnings("ignore", message=".*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything imports socket or threading

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402

from nameko.cli.run import run  # noqa: E402

from shared.config import get_settings  # noqa: E402

SERVICES = {
    "registration": "services.registration.service:RegistrationService",
    "checkin": "services.checkin.service:CheckinService",
    "quiz": "services.quiz.service:QuizService",
    "livestream": "services.livestream.service:LivestreamService",
}


def load(name: str) -> type:
    module, cls = SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=sorted(SERVICES))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if not settings.mongo_url:
        raise SystemExit("MONGO_URL is not set: start the stack with `make run`, or set it.")
    run([load(args.service)], settings.nameko_config(), backdoor_port=None)


if __name__ == "__main__":
    main()
