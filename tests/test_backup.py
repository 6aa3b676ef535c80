"""Backup and restore by a round trip on both databases: what was there comes back, what came
after is gone, the media too, and a backup of one kind is refused by the other."""
import json
from pathlib import Path

import pytest

from cases import intake
from community.demo import seed_demo
from models.backup import BackupError
from models.backup import restore
from models.cases import Case
from models.db import connected
from models.people import Resident


def test_a_backup_restores_the_database_and_the_media(app, database, settings, tmp_path):
    seed_demo()
    resident = Resident.select().first()
    kept = intake.submit(resident, "miniprogram", "楼道灯不亮").number
    media = Path(settings.MEDIA_DIR)
    (media / "reports").mkdir(parents=True, exist_ok=True)
    (media / "reports" / "photo.jpg").write_bytes(b"jpeg bytes")
    runner = app.test_cli_runner()
    made = runner.invoke(args=["db", "backup", str(tmp_path / "b1")])
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    assert manifest["rows"]["report"] == 1 and "0009_console" in manifest["migrations"]
    # After the backup: a case filed, one deleted, a photo lost.
    intake.submit(resident, "miniprogram", "备份之后的新案件")
    Case.delete().where(Case.number == kept).execute()
    (media / "reports" / "photo.jpg").unlink()
    database.close()
    done = runner.invoke(args=["db", "restore", str(tmp_path / "b1"), "--yes"])
    assert done.exit_code == 0, done.output
    with connected():
        assert [r.number for r in Case.select()] == [kept]
    assert (media / "reports" / "photo.jpg").read_bytes() == b"jpeg bytes"
    again = runner.invoke(args=["db", "backup", str(tmp_path / "b1")])     # never into an old backup
    assert again.exit_code != 0


def test_a_backup_of_the_other_kind_is_refused(app, database, settings, tmp_path):
    other = "postgresql" if settings.DATABASE_URL.startswith("sqlite") else "sqlite"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text(json.dumps({"kind": other, "rows": {}}))
    with pytest.raises(BackupError):
        restore(settings.DATABASE_URL, settings.MEDIA_DIR, tmp_path / "b")
