"""Where ``voucherify-async import`` keeps an import's checkpoint journal when ``--checkpoint`` names none.

Every import keeps a journal: the command run again after an interruption resumes instead of starting over,
and run again after the end sends nothing (so ``--rejects PATH`` added to a finished command costs no bulk
call). Without ``--checkpoint``, the journal lives in the user's state folder::

    $XDG_STATE_HOME/voucherify-async/journals/   (default ~/.local/state/voucherify-async/journals/)
    %LOCALAPPDATA%\\voucherify-async\\journals\\     (Windows)

named after the order file, with a digest of the file's resolved path and the project it goes to (the API's
base URL and app id). One file imported into two projects has two journals: a journal says what one project
holds. A file moved or renamed is another file to the journal (``--checkpoint`` chooses a journal instead).

A file changed in place under the same name no longer matches the batches its journal recorded: the batcher
refuses it (``SourceChangedError``) before sending any of it, and the command says how to start afresh
(remove the journal, or give another with ``--checkpoint``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DEFAULT_JOURNAL_FOLDER_HELP", "default_journal", "how_to_start_afresh", "journal_folder"]

DEFAULT_JOURNAL_FOLDER_HELP = (
    "$XDG_STATE_HOME/voucherify-async/journals (by default ~/.local/state/voucherify-async/journals)"
)
"""The folder of default journals, as ``--help`` and the README name it."""

_APPLICATION = "voucherify-async"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def journal_folder(environ: Mapping[str, str]) -> Path:
    """The folder of default journals: the XDG state folder on POSIX, the local app data on Windows.

    A relative ``XDG_STATE_HOME`` is ignored, as the XDG base directory specification asks.
    """
    if os.name == "nt":
        base = environ.get("LOCALAPPDATA") or str(_home(environ) / "AppData" / "Local")
        return Path(base) / _APPLICATION / "journals"
    state = environ.get("XDG_STATE_HOME", "")
    base_path = Path(state) if os.path.isabs(state) else _home(environ) / ".local" / "state"
    return base_path / _APPLICATION / "journals"


def default_journal(source: Path, project_key: str, environ: Mapping[str, str]) -> Path:
    """The journal of importing ``source`` into the project ``project_key`` names (``client.project_key``).

    Example:
        >>> default_journal(Path("orders.jsonl"), client.project_key, os.environ)  # doctest: +SKIP
        PosixPath('/home/ann/.local/state/voucherify-async/journals/orders.jsonl.6b9b0d9b86b0a1e4.journal')
    """
    where = os.path.realpath(source)
    digest = hashlib.sha256(f"{where}\n{project_key}".encode()).hexdigest()[:16]
    name = _UNSAFE_IN_NAME.sub("_", os.path.basename(where))[:80] or "orders"
    return journal_folder(environ) / f"{name}.{digest}.journal"


def how_to_start_afresh(source: Path, journal: Path) -> str:
    """What to do when the order file is not the one its journal recorded (changed under the same name)."""
    return (
        f"The journal {journal} recorded other orders for {source}: what it lists was imported from the file "
        "as it was. To import only new or fixed orders, put them in a file of their own and import that. To "
        f"import {source} as it is now from its first order (every order is sent again, those imported "
        f"before too), remove the journal first (rm {shlex.quote(str(journal))}), or give another one with "
        "--checkpoint PATH."
    )


def _home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME")
    return Path(home) if home else Path.home()
