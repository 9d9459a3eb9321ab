"""Notice the records of a run whose ``source_id`` repeats an earlier record's, in at most 16 bytes per id.

Why: the API upserts orders by ``source_id`` (the create-order docs: "If the order with the given
``source_id`` already exists, it is updated"), and an import counts every order it took in ``done_count``. A
source holding a ``source_id`` twice yields one order on the server, the last copy's, and two "imported": a
report that only adds up ``done_count`` overstates the new orders.

How (:class:`SourceIdTracker`): each ``source_id`` becomes a 64-bit keyed fingerprint. The fingerprints are
kept densely, in the order their ids were first seen (``array('Q')``, 8 bytes each); an open-addressing
table with linear probing (``array('I')``, 4 bytes a slot, 53 % to 80 % full: it grows by half when it
reaches 80 %) maps a fingerprint to its number ``k`` in that order. The position of the first record of id
``k`` is not stored per id: it is ``k`` plus the number of records before it that were not new ids (repeats,
rejections, records without a ``source_id``), kept as one entry per stretch of such records (12 bytes a
stretch, whatever its length; the report keeps far more for each repeat or rejection anyway). So a distinct
id costs at most 8.5 + 4 / 0.533 = 16 bytes (8.5: the dense array grows by 1/16 at a time), about 14 bytes
on average, past the first table's 12 KiB: 10 million ids, at most 160 MB. Checking a record costs a hash
and one probe of the table, about a microsecond in CPython (``benchmarks/RESULTS.md``).

Collisions: two different ids with equal fingerprints would make the later one a false "repeat". The
fingerprint is keyed with a secret of the process (Python's SipHash ``hash()`` of the string, whose key is
random per process; or a keyed BLAKE2b when hash randomisation is off or ``hash()`` is not 64-bit), so no
source can be built to collide, and a run of ``n`` distinct ids meets one false repeat with probability about
``n² / 2⁶⁵``: 3 in 100 million for 1 million ids, 3 in a million for 10 million. A suspected repeat is not
confirmed: confirming needs the first record's own ``source_id``, i.e. the memory of a set of strings
(~100 bytes an id) or a read back from disk for every repeat, for a risk far below that of the source itself
holding a typo. A false repeat is visible: it names the record it supposedly repeats, which can be checked.

Spill: past ``memory_limit`` bytes (128 MiB by default, about 8 million ids) the table and the fingerprints
move to two temporary files mapped into memory (``mmap``) and grow there, so that the kernel can write them
out and take the pages back when memory runs short, where anonymous memory would have to stay (there may be
no swap). Lookups stay as fast while the pages are cached, and become disk reads when they are not. The
files are unlinked as soon as they are made (``tempfile.TemporaryFile``): nothing is left behind, however the
run ends (``close()``, cancellation, even a kill). The process's resident size still counts the files'
pages while the kernel keeps them cached.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import secrets
import sys
import tempfile
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Literal, Protocol

from voucherify_async._errors import InvalidArgumentError

__all__ = ["DEFAULT_MEMORY_LIMIT", "DUPLICATES_OPTIONS", "DuplicatesOption", "SourceIdTracker"]

DuplicatesOption = Literal["send", "reject"]
"""What the batcher does with a record whose ``source_id`` repeats an earlier record's: ``send`` it (in source
order, so the server keeps the last copy) or ``reject`` it locally, never sent."""

DUPLICATES_OPTIONS: tuple[DuplicatesOption, ...] = ("send", "reject")

DEFAULT_MEMORY_LIMIT = 128 * 1024 * 1024
"""Bytes of table kept in anonymous memory before it moves to a temporary file (about 8 million ids)."""

_MASK = (1 << 64) - 1
_MAX_LOAD = 0.8  # the table grows when it is this full...
_GROWTH = 1.5  # ...by this factor: it is 0.8 / 1.5 = 53 % full right after
_MIN_SLOTS = 8
_MAX_IDS = (1 << 32) - 2  # a slot holds k + 1 in 32 bits


class _Slots(Protocol):
    """An ``array`` or a ``memoryview`` of a mapped file: what the table is kept in."""

    def __getitem__(self, index: int, /) -> int: ...

    def __setitem__(self, index: int, value: int, /) -> None: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[int]: ...


def _builtin_hash_is_keyed() -> bool:
    """Whether ``hash(str)`` is a 64-bit SipHash under a random key of this process.

    ``PYTHONHASHSEED=0`` turns the key off and ``PYTHONHASHSEED=N`` makes it known: then a source could be
    built whose ids collide, so a keyed BLAKE2b stands in (about 0.6 µs an id more).
    """
    return (
        sys.hash_info.width >= 64
        and sys.hash_info.algorithm.startswith("siphash")
        and bool(sys.flags.hash_randomization)
        and os.environ.get("PYTHONHASHSEED", "random") in ("", "random")
    )


class _MappedArray:
    """An array of one typecode in an unlinked temporary file, mapped into memory (the spilled table)."""

    def __init__(self, typecode: Literal["I", "Q"], length: int, directory: Path | None) -> None:
        self.typecode = typecode
        self.itemsize = array(typecode).itemsize
        self._file: IO[bytes] = tempfile.TemporaryFile(  # noqa: SIM115 (closed by close())
            prefix="voucherify-source-ids-", dir=directory
        )
        self._map: mmap.mmap | None = None
        self.view: memoryview[int] = memoryview(b"")
        self.resize(length)

    def resize(self, length: int) -> None:
        """Make room for ``length`` items, keeping those already there (new ones are 0)."""
        self.release()
        size = max(1, length) * self.itemsize
        os.ftruncate(self._file.fileno(), size)
        self._map = mmap.mmap(self._file.fileno(), size)
        if hasattr(self._map, "madvise") and hasattr(mmap, "MADV_RANDOM"):
            self._map.madvise(mmap.MADV_RANDOM)  # probes jump around: reading ahead would only waste I/O
        self.view = memoryview(self._map).cast(self.typecode)

    def release(self) -> None:
        """Unmap the file (the view must go first, or closing the map raises ``BufferError``)."""
        self.view.release()
        if self._map is not None:
            self._map.close()
            self._map = None

    def close(self) -> None:
        """Unmap and close the file, which the system then deletes."""
        self.release()
        self._file.close()


class SourceIdTracker:
    """Remembers the ``source_id`` of every new record of a run and says when a record repeats one.

    Args:
        memory_limit: Bytes the table may take in memory; past it, it moves to a temporary file (see the
            module docs). ``0``: on disk from the first growth on.
        spill_directory: Where that file goes (default: the system's temporary directory).
        initial_slots: Slots of the table to start with (it grows by half when 80 % full).
        expected_ids: How many distinct ids to expect, if known: the table starts large enough for them
            (5 bytes an id), sparing the rebuilds of its growth (half the cost of a new id). Not past half
            of ``memory_limit``.

    Positions are the records' places in the source, from 1; they must increase from one new id to the next
    (repeats and records never passed in may come between).

    Example:
        >>> with SourceIdTracker() as seen:
        ...     seen.repeat_of("o-1", 1), seen.repeat_of("o-2", 2), seen.repeat_of("o-1", 5)
        (None, None, 1)
    """

    def __init__(
        self,
        *,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        spill_directory: str | Path | None = None,
        initial_slots: int = 1024,
        expected_ids: int | None = None,
    ) -> None:
        if memory_limit < 0:
            raise InvalidArgumentError(f"memory_limit must be at least 0 bytes, got {memory_limit}")
        self.memory_limit = memory_limit
        self.spill_directory = Path(spill_directory) if spill_directory is not None else None
        self._key = None if _builtin_hash_is_keyed() else secrets.token_bytes(16)
        self._initial_slots = max(_MIN_SLOTS, initial_slots)
        if expected_ids is not None:
            slots = int(expected_ids / _MAX_LOAD) + 1
            if 4 * slots <= memory_limit // 2:
                self._initial_slots = max(self._initial_slots, slots)
        self._mapped: list[_MappedArray] = []  # [index, fingerprints] once spilled
        self._start_empty()

    def _start_empty(self) -> None:
        self._capacity = self._initial_slots
        self._grow_at = int(self._capacity * _MAX_LOAD)
        self._index: _Slots = array("I", bytes(4 * self._capacity))
        self._fingerprints: _Slots = array("Q", bytes(8 * min(self._grow_at, 1024)))
        self._count = 0
        # Runs of the records between new ids: from the k-th new id on, its position is k + offset.
        self._run_starts = array("I")
        self._run_offsets = array("Q")
        self._offset = 0
        self._room = 0  # new ids that fit before anything must grow (0: the first one sets up the runs)

    def __len__(self) -> int:
        """How many distinct ids were seen."""
        return self._count

    def __enter__(self) -> SourceIdTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def spilled(self) -> bool:
        """Whether the table moved to a temporary file (past ``memory_limit``)."""
        return bool(self._mapped)

    @property
    def memory_bytes(self) -> int:
        """Bytes of anonymous memory the tracker's arrays take (the table's, until it spills)."""
        runs = 4 * len(self._run_starts) + 8 * len(self._run_offsets)
        return runs if self._mapped else 4 * len(self._index) + 8 * len(self._fingerprints) + runs

    def fingerprint(self, source_id: str) -> int:
        """The 64-bit keyed fingerprint the tracker keeps of ``source_id``."""
        if self._key is None:
            return hash(source_id) & _MASK
        data = source_id.encode("utf-8", "surrogatepass")
        return int.from_bytes(hashlib.blake2b(data, digest_size=8, key=self._key).digest(), "little")

    def repeat_of(self, source_id: str, position: int) -> int | None:
        """Where ``source_id`` was first seen, if it was; else remember it as first seen at ``position``.

        Returns:
            The position of the first record with this ``source_id``, or ``None`` for a new id.

        Raises:
            InvalidArgumentError: ``position`` of a new id is not past the previous new id's.
        """
        # The hot path of every order: the probe is written out here, not in helpers, to keep it cheap.
        f = hash(source_id) & _MASK if self._key is None else self.fingerprint(source_id)
        index, fingerprints, capacity = self._index, self._fingerprints, self._capacity
        slot = f % capacity
        k = index[slot]
        while k:
            if fingerprints[k - 1] == f:
                return self._position_of(k - 1)
            slot += 1
            if slot == capacity:
                slot = 0
            k = index[slot]
        k = self._count
        if k < self._room and position - k == self._offset:  # a new id right after the previous one
            fingerprints[k] = f
            index[slot] = k + 1
            self._count = k + 1
        else:
            self._add(f, slot, position)
        return None

    def close(self) -> None:
        """Let go of the table: its memory, and its temporary file if it spilled (safe to call twice).

        The tracker is empty afterwards, as if new.
        """
        for mapped in self._mapped:
            mapped.close()
        self._mapped = []
        self._start_empty()

    def _position_of(self, k: int) -> int:
        run = bisect_right(self._run_starts, k) - 1
        return k + self._run_offsets[run]

    def _add(self, f: int, slot: int, position: int) -> None:
        k = self._count
        offset = position - k
        if offset < self._offset:  # the previous new id is at k - 1 + self._offset
            raise InvalidArgumentError(f"positions must increase: {position} comes after a later one")
        if k >= _MAX_IDS:
            raise InvalidArgumentError(f"more than {_MAX_IDS:,} distinct source ids in one run")
        if k == len(self._fingerprints):
            self._grow_fingerprints()
        self._fingerprints[k] = f
        self._index[slot] = k + 1
        self._count = k + 1
        if offset != self._offset or not self._run_starts:
            self._run_starts.append(k)
            self._run_offsets.append(offset)
            self._offset = offset
        if self._count > self._grow_at:
            self._grow_index()
        self._room = min(len(self._fingerprints), self._grow_at)

    def _fits_in_memory(self, slots: int, fingerprints: int) -> bool:
        return not self._mapped and 4 * slots + 8 * fingerprints <= self.memory_limit

    def _grow_fingerprints(self) -> None:
        length = len(self._fingerprints)
        more = max(1024, length // 16)
        if self._fits_in_memory(self._capacity, length + more):
            assert isinstance(self._fingerprints, array)
            self._fingerprints.extend(array("Q", [0]) * more)
            return
        if not self._mapped:
            self._spill()
        self._mapped[1].resize(length + more)
        self._fingerprints = self._mapped[1].view

    def _grow_index(self) -> None:
        capacity = int(self._capacity * _GROWTH)
        mapped: _MappedArray | None = None
        if self._fits_in_memory(capacity, len(self._fingerprints)):
            index: _Slots = array("I", [0]) * capacity  # not from bytes(...): no second copy at the peak
        else:
            if not self._mapped:
                self._spill()
            mapped = _MappedArray("I", capacity, self.spill_directory)
            index = mapped.view
        fingerprints = self._fingerprints
        for k, f in enumerate(islice(fingerprints, self._count), 1):
            slot = f % capacity
            while index[slot]:
                slot += 1
                if slot == capacity:
                    slot = 0
            index[slot] = k
        if mapped is not None:
            self._mapped[0].close()
            self._mapped[0] = mapped
        self._index, self._capacity = index, capacity
        self._grow_at = int(capacity * _MAX_LOAD)

    def _spill(self) -> None:
        """Move the table and the fingerprints, as they are, into temporary files mapped into memory."""
        moved = [
            _MappedArray("I", len(self._index), self.spill_directory),
            _MappedArray("Q", len(self._fingerprints), self.spill_directory),
        ]
        moved[0].view[:] = memoryview(self._index)  # type: ignore[arg-type]
        moved[1].view[:] = memoryview(self._fingerprints)  # type: ignore[arg-type]
        self._mapped = moved
        self._index, self._fingerprints = moved[0].view, moved[1].view
