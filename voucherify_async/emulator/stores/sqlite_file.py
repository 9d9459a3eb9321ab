"""The data directory's SQLite file: opening it (or refusing it, clearly), its schema, and its transactions.

One file, ``emulator.sqlite3``, holds every project's data, each row with its project's app id. It is
opened by one emulator at a time (SQLite's exclusive locking mode: a second emulator on the same directory
is refused at once) in write-ahead-log mode, with ``synchronous=NORMAL``: a commit writes the log without
waiting for the disk, so an import of 2,000 orders costs one short transaction, and what was committed
survives the emulator's process being killed (only a crash of the machine may lose the last commits).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATA_FILE = "emulator.sqlite3"
"""The file of the data directory that holds the emulator's data."""

APPLICATION_ID = 0x56464145
"""Marks the file as the emulator's (SQLite's ``application_id``): ``VFAE``."""

SCHEMA_VERSION = 1
"""The layout of the tables (SQLite's ``user_version``); a file of a newer layout is refused."""

SCHEMA = """
CREATE TABLE orders (
    seq INTEGER PRIMARY KEY,
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    source_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    touched REAL NOT NULL,
    change INTEGER NOT NULL,
    customer_id TEXT,
    referrer_id TEXT,
    body BLOB NOT NULL
);
CREATE UNIQUE INDEX orders_by_id ON orders (project, id);
CREATE UNIQUE INDEX orders_by_key ON orders (project, key);
CREATE INDEX orders_by_created_at ON orders (project, created_at, seq);
CREATE INDEX orders_by_update ON orders (project, touched, change);
CREATE TABLE customers (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    source_id TEXT,
    body BLOB NOT NULL,
    PRIMARY KEY (project, id)
) WITHOUT ROWID;
CREATE INDEX customers_by_source_id ON customers (project, source_id);
CREATE TABLE async_actions (
    seq INTEGER PRIMARY KEY,
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    action BLOB NOT NULL,
    orders BLOB
);
CREATE UNIQUE INDEX async_actions_by_id ON async_actions (project, id);
CREATE TABLE exports (
    seq INTEGER PRIMARY KEY,
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    export BLOB NOT NULL,
    file BLOB NOT NULL
);
CREATE UNIQUE INDEX exports_by_id ON exports (project, id);
CREATE TABLE projects (
    project TEXT PRIMARY KEY,
    import_requests INTEGER NOT NULL,
    imports_submitted_while_busy INTEGER NOT NULL
);
"""

TABLES = frozenset({"orders", "customers", "async_actions", "exports", "projects"})


class DataDirError(Exception):
    """The emulator's data directory cannot be used: it is not a directory, its data file is not the
    emulator's (another program's, damaged, or from a newer version), or another emulator serves from it."""


def _refuse(path: Path, why: str) -> DataDirError:
    return DataDirError(f"cannot use {path} as the emulator's data: {why}")


class SQLiteFile:
    """The open data file of a data directory (see the module's docstring).

    Raises:
        DataDirError: when the directory or its file cannot be used; the message says why.
    """

    def __init__(self, data_dir: Path) -> None:
        if data_dir.exists() and not data_dir.is_dir():
            raise _refuse(data_dir, "it is not a directory")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _refuse(data_dir, error.strerror or str(error)) from None
        self.path = data_dir / DATA_FILE
        self._depth = 0
        try:
            # isolation_level=None: transactions are begun and ended by transaction(), nowhere else.
            # check_same_thread=False: the emulator may be built in one thread and serve in another; it is
            # used by one thread at a time, its event loop's.
            self.connection = sqlite3.connect(
                self.path, isolation_level=None, timeout=0, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise _refuse(self.path, str(error)) from None
        try:
            self._prepare()
        except BaseException:
            self.connection.close()
            raise

    def _prepare(self) -> None:
        connection = self.connection
        try:
            # Exclusive before the first access: the lock is kept until close, and the write-ahead log needs
            # no shared memory (no -shm file).
            connection.execute("PRAGMA locking_mode = EXCLUSIVE")
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row[0] for row in listed}
        except sqlite3.OperationalError as error:
            raise self._locked_or(error) from None
        except sqlite3.DatabaseError as error:
            raise _refuse(self.path, f"it is not an SQLite database or it is damaged ({error})") from None
        if application_id != APPLICATION_ID and (application_id != 0 or tables):
            raise _refuse(self.path, "it is an SQLite database of another program, not the emulator's")
        if version > SCHEMA_VERSION:
            layouts = f"layout {version}, this version reads {SCHEMA_VERSION}"
            raise _refuse(self.path, f"it was written by a newer version of the emulator ({layouts})")
        if application_id == APPLICATION_ID and not tables >= TABLES:
            raise _refuse(self.path, f"its tables are missing: {', '.join(sorted(TABLES - tables))}")
        try:
            connection.execute("BEGIN IMMEDIATE")  # takes the exclusive lock, kept until close
        except sqlite3.OperationalError as error:
            raise self._locked_or(error) from None
        connection.execute("COMMIT")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise _refuse(self.path, f"its journal cannot be a write-ahead log (mode {mode})")
        connection.execute("PRAGMA synchronous = NORMAL")
        if application_id == 0:
            with self.transaction():
                self._create_schema()

    def _locked_or(self, error: sqlite3.OperationalError) -> DataDirError:
        if "locked" in str(error):
            return _refuse(self.path, "another emulator (or another program) is using it")
        return _refuse(self.path, str(error))

    def _create_schema(self) -> None:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self.connection.execute(statement)
        self.connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def reading_back(self) -> Iterator[None]:
        """A block that reads what the file holds: damage found there closes the file and is refused.

        Raises:
            DataDirError: the file is damaged where the block read it.
        """
        try:
            yield
        except sqlite3.DatabaseError as error:
            self.close()
            raise _refuse(self.path, f"it is damaged ({error})") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes kept all together or not at all; a block inside another joins the outer one."""
        if self._depth == 0:
            self.connection.execute("BEGIN")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.connection.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self.connection.execute("COMMIT")

    def close(self) -> None:
        """Close the file (committed writes are kept) and release it for another emulator."""
        self.connection.close()
