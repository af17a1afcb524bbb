"""Start one service: `python -m services.run registration`. Config comes from Settings."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything imports socket or threading

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402

from nameko.cli.run import run  # noqa: E402

from shared.config import get_settings  # noqa: E402
from shared.errors import DOMAIN_ERRORS  # noqa: E402
from shared.logs import configure  # noqa: E402

SERVICES = {
    "registration": "services.registration.service:RegistrationService",
    "checkin": "services.checkin.service:CheckinService",
    "quiz": "services.quiz.service:QuizService",
    "livestream": "services.livestream.service:LivestreamService",
}


def load(name: str) -> type:
    module, cls = SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


class DomainErrorsAreAnswers(logging.Filter):
    """nameko logs every exception a worker raises with its traceback; a refused input or an
    unknown code is an answer to the caller, so it is logged as one line at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], DOMAIN_ERRORS) and isinstance(record.args, tuple):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "%s answered %s: %s", (
                record.args[0], type(record.exc_info[1]).__name__, record.exc_info[1])
            record.exc_info = record.exc_text = None
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=sorted(SERVICES))
    args = parser.parse_args()
    settings = get_settings()
    configure(args.service, settings.log_format, settings.log_level)
    logging.getLogger("nameko.containers").addFilter(DomainErrorsAreAnswers())
    if not settings.mongo_url:
        raise SystemExit("MONGO_URL is not set: start the stack with `make run`, or set it.")
    run([load(args.service)], settings.nameko_config(), backdoor_port=None)


if __name__ == "__main__":
    main()
