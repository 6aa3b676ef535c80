"""Backups of everything Linli keeps: the database and the uploaded media.

A backup is a folder: `database.sqlite` (SQLite's online backup API: a consistent copy while the
service keeps writing) or `database.pgdump` (pg_dump's custom format), `media.tar.gz`, and
`manifest.json` with the time, the kind, the applied migrations and every table's row count.
Restoring puts both back and checks the row counts against the manifest. Stop the web workers
and the consumer before restoring: a restore replaces the data under them."""
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import urllib.parse
from pathlib import Path

from playhouse import db_url

from models import ALL_MODELS
from models.db import close_all
from models.db import connected
from models.db import migration_runner


class BackupError(Exception):
    pass


def backup(url, media_dir, dest):
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=False)        # never mixed into an older backup
    with connected():
        counts = _counts()
        migrations = [m.name for m in migration_runner().status() if m.applied]
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(dest / "database.sqlite")
        with target:
            source.backup(target)
        source.close()
        target.close()
        kind = "sqlite"
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dest / "database.pgdump")]
             + _pg_args(url))
        kind = "postgresql"
    with tarfile.open(dest / "media.tar.gz", "w:gz") as archive:
        if Path(media_dir).is_dir():
            archive.add(media_dir, arcname="media")
    # The wall clock: when the files were written, even during a simulation.
    manifest = {"created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "kind": kind, "migrations": migrations, "rows": counts}
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def restore(url, media_dir, src):
    """Put a backup back; returns the manifest after checking every table's row count."""
    src = Path(src)
    manifest = json.loads((src / "manifest.json").read_text())
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    if manifest["kind"] != kind:
        raise BackupError("this backup is of %s, the database is %s" % (manifest["kind"], kind))
    close_all()
    if kind == "sqlite":
        source = sqlite3.connect(src / "database.sqlite")
        target = sqlite3.connect(_sqlite_path(url))
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
             + _pg_args(url, restore=True) + [str(src / "database.pgdump")])
    if Path(media_dir).exists():
        shutil.rmtree(media_dir)
    with tarfile.open(src / "media.tar.gz") as archive:
        archive.extractall(Path(media_dir).parent / "_restoring", filter="data")
    unpacked = Path(media_dir).parent / "_restoring" / "media"
    if unpacked.exists():
        shutil.move(str(unpacked), media_dir)
    shutil.rmtree(Path(media_dir).parent / "_restoring", ignore_errors=True)
    with connected():
        counts = _counts()
    if counts != manifest["rows"]:
        differ = sorted(t for t in manifest["rows"] if counts.get(t) != manifest["rows"][t])
        raise BackupError("restored row counts differ from the backup's in: %s" % ", ".join(differ))
    return manifest


def _counts():
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS}


def _sqlite_path(url):
    return os.path.abspath(db_url.parse(url)["database"])


def _pg_args(url, restore=False):
    """pg_dump/pg_restore arguments: the URL without `options`, and `-n` for a search_path schema."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    schema = None
    for option in query.pop("options", []):
        if option.startswith("-csearch_path="):
            schema = option.split("=", 1)[1]
    plain = urllib.parse.urlunsplit(parts._replace(scheme="postgresql",
                                                   query=urllib.parse.urlencode(query, doseq=True)))
    args = ["--dbname", plain]
    if schema:
        args += ["--schema", schema]
    return args


def _run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError("%s failed: %s" % (command[0], done.stderr.strip()[-500:]))
