"""Backups of the embedded database: `make backup` (now) and `make restore FILE=…` (stack stopped).

A backup is SecantusDB's own consistent checkpoint archive (`secantusAdmin.backupArchive`), so it
is taken while the stack serves. With MONGO_URL pointing at a mongod of your own, use mongodump
and mongorestore instead: a mongod has no such command.
"""
import argparse
import shutil
import socket
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError
from secantus.storage import extract_backup_archive

from shared.config import Settings

PREFIX = "ndld-"
SUFFIX = ".tar.gz"


def backup(mongo_url: str, backups: Path, keep: int, now: datetime | None = None) -> Path:
    """Archive the whole database into `backups`, then keep only the newest `keep` archives."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups / f"{PREFIX}{stamp}{SUFFIX}"
    client: MongoClient[dict[str, object]]
    with MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        client.admin.command("secantusAdmin.backupArchive", outputPath=str(target.resolve()))
    for old in archives(backups)[:-max(keep, 1)]:
        old.unlink()
    return target


def backup_every(stop: threading.Event, minutes: float, mongo_url: str, backups: Path, keep: int,
                 log: Callable[[str], None] = print) -> None:
    """While the stack runs: a backup every `minutes`, each failure said and the next one tried."""
    while not stop.wait(minutes * 60):
        try:
            log(f"backed up the database to {backup(mongo_url, backups, keep)}")
        except (PyMongoError, OSError) as exc:  # the database, or the disk (full, permissions)
            log(f"no backup this time: {exc}")


def archives(backups: Path) -> list[Path]:
    """Backups oldest first (their names sort by time)."""
    return sorted(backups.glob(f"{PREFIX}*{SUFFIX}"))


def restore(archive: Path, storage: Path, port: int) -> Path | None:
    """Put `archive` in place of the database files; the old files are moved aside, never deleted."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"The database is running (port {port}): stop the stack (Ctrl-C) first.")
    kept = None
    if storage.exists():
        kept = storage.with_name(f"{storage.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        shutil.move(storage, kept)
    extract_backup_archive(str(archive), str(storage))
    return kept


def main() -> None:
    from tools.stack import EMBEDDED_MONGO_PORT

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--restore", metavar="FILE", type=Path, help="restore this archive (stack stopped)")
    args = parser.parse_args()
    settings = Settings()
    if settings.mongo_url:
        raise SystemExit("MONGO_URL is set: back that database up with mongodump (and restore with mongorestore).")
    storage = settings.data_dir / "mongo"
    if args.restore:
        kept = restore(args.restore, storage, EMBEDDED_MONGO_PORT)
        print(f"Restored {args.restore} into {storage}" + (f"; the previous files are in {kept}" if kept else ""))
        return
    url = f"mongodb://127.0.0.1:{EMBEDDED_MONGO_PORT}/?directConnection=true"
    try:
        print(backup(url, settings.data_dir / "backups", settings.backups_kept))
    except PyMongoError as exc:
        print(f"No backup: {exc} (is the stack running? `make run`)", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
