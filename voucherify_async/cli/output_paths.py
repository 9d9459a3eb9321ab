"""The files the ``import`` command writes: never one the user gave it to read, never half written.

The command writes the ``--rejects`` and ``--failures`` files and the checkpoint journal. A path given for
one of them that names the order file, the journal or the other output (through a relative path, a symbolic
link or a hard link alike) is refused before anything is read or sent: ``--rejects orders.jsonl`` truncated
the order file it was about to read, and ``--rejects`` naming the journal made the next run import every
batch again.

An output file is written to a temporary file beside it and renamed over it once whole
(:func:`replaced_atomically`): a crash or a kill leaves the old file or the new one, never a part of either.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import IO, Any

__all__ = ["OutputPathError", "refuse_shared_paths", "replaced_atomically", "same_file"]


class OutputPathError(Exception):
    """An output path would overwrite a file the command reads or writes otherwise: exit code 2."""


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same path once links and ``..`` are resolved, or (both
    existing) the same file on disk, as a hard link makes it."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet): it is no other file
        return False


def refuse_shared_paths(source: Path, journal: Path | None, outputs: Mapping[str, Path | None]) -> None:
    """Refuse an output that is the order file, the journal or another output, or lies in no folder.

    Args:
        source: The order file (read).
        journal: The checkpoint journal (read, then appended to), if any.
        outputs: The files written from scratch, by the option that names them (``{"--rejects": path}``).

    Raises:
        OutputPathError: Naming the option and what it would overwrite.
    """
    given = [(flag, path) for flag, path in outputs.items() if path is not None]
    for number, (flag, path) in enumerate(given):
        if same_file(path, source):
            raise OutputPathError(
                f"{flag} {path} names the order file itself: writing it would destroy the orders. "
                "Give another path."
            )
        if journal is not None and same_file(path, journal):
            raise OutputPathError(
                f"{flag} {path} names the checkpoint journal {journal}: writing it would lose the record of "
                "what was imported, and the next run would import every order again. Give another path."
            )
        for other_flag, other in given[:number]:
            if same_file(path, other):
                raise OutputPathError(f"{other_flag} and {flag} name the same file ({path}): give two paths.")
        if path.is_dir():
            raise OutputPathError(f"{flag} {path} is a folder: give the path of a file")
        folder = Path(os.path.realpath(path)).parent
        if not folder.is_dir():
            raise OutputPathError(f"{flag} {path}: the folder {folder} does not exist")
    if journal is not None and same_file(journal, source):
        raise OutputPathError(
            f"--checkpoint {journal} names the order file itself: the journal would be written into it. "
            "Give another path."
        )


@contextmanager
def replaced_atomically(path: Path, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and, when the block ends without an error, put it in its place.

    The file is flushed to disk before ``os.replace`` renames it over ``path``, so ``path`` holds the old
    file or the whole new one, whatever happens. A symbolic link at ``path`` stays: the file it points to is
    replaced. The new file keeps the old one's permissions (a new one gets the usual ``0o666`` less the
    umask). On an error the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(os.path.realpath(path))
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with open(descriptor, mode, **open_args) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _permissions(target))
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _permissions(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()  # mkstemp makes its file 0o600: a new file gets what open() would give it


@cache
def _umask() -> int:
    # The umask can only be read by setting it: done once, before any of the command's files is written.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
