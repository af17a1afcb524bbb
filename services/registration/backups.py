"""The embedded database's backups (tools/backup.py writes them into DATA_DIR/backups): the shredder
deletes those that hold data it removed."""
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nameko.extensions import DependencyProvider

from tools.backup import archives


class BackupShelf:
    def __init__(self, folder: Path | None):
        self.folder = folder

    def taken(self) -> dict[str, datetime]:
        """Each backup by name with the time it was written (none where no folder is configured)."""
        if self.folder is None:
            return {}
        return {path.name: datetime.fromtimestamp(path.stat().st_mtime, UTC) for path in archives(self.folder)}

    def remove(self, names: list[str]) -> None:
        for name in names:
            assert self.folder is not None  # names come from taken()
            (self.folder / name).unlink(missing_ok=True)


class Backups(DependencyProvider):
    def get_dependency(self, worker_ctx: Any) -> BackupShelf:
        folder = self.container.config.get("BACKUPS_DIR")
        return BackupShelf(Path(folder) if folder else None)
