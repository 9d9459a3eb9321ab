"""Notice the records of a run whose ``source_id`` repeats an earlier record's, in memory that stays flat.

Why: the API upserts orders by ``source_id`` (the create-order docs: "If the order with the given
``source_id`` already exists, it is updated"), and an import counts every order it took in ``done_count``. A
source holding a ``source_id`` twice yields one order on the server, the last copy's, and two "imported": a
report that only adds up ``done_count`` overstates the new orders.

How (:class:`SourceIdTracker`): each ``source_id`` becomes a 64-bit keyed fingerprint. Every new one goes,
with its number ``k`` in the order the ids were first seen, to a temporary file, in one of 256 partitions (by
the fingerprint's top byte; a partition's records wait in memory until they fill a 2 KiB block). In memory
stays only a Bloom filter of the fingerprints (2 MiB, or less for a run said to be small; three bits an id):
a record whose bits are not all set is certainly new; only one whose bits are set is looked up in the file,
in its partition's blocks, and is a repeat only if its fingerprint is found there. With up to 1.4 million
ids in a 2 MiB filter, fewer than 1 in 100 new ids are looked up for nothing (1 in 200 on average over a
run of a million); past that the filter doubles (rebuilt from the file, whose partitions are then rewritten
each in one piece), so its false alarms stay rare: 1.5 bytes an id past 1.4 million, at most half of
``memory_limit``. The position of the first record of id ``k`` is not stored per id: it is ``k`` plus the
number of records before it that were not new ids (repeats, rejections, records without a ``source_id``),
kept as one entry per stretch of such records (16 bytes a stretch, whatever its length; the report keeps far
more for each repeat or rejection anyway).

Memory: the filter, up to 0.5 MiB of blocks waiting, and the stretches: 2.5 MiB whether a run has 100,000 ids
or 1,000,000. Blocks of 2 KiB rather than 4 KiB halve what waits (and the memory its growing buffers leave
behind: 1 to 2 MiB of an import's peak) for a look into the file that reads twice as many blocks. The file
is read with ``pread``, never mapped: the pages the kernel caches of it are not the process's resident
memory, and it may drop them whenever it needs the room. It is unlinked as soon as it is made
(``tempfile.TemporaryFile``): nothing is left behind, however the run ends (``close()``, cancellation, even a
kill). Its size: 16 bytes an id, twice that for a while after a rebuild.

Time: a new id costs a hash and three bit tests, like a probe of a table kept in memory; a repeat costs a
look into the file, as does one new id in 200: reads of the page cache, one per block of its partition
(``benchmarks/RESULTS.md``, section 7: 1.2 µs a new id and 25 µs a repeat at a million ids; 3.7 µs and
260 µs at ten million, where a partition holds hundreds of KiB).

Collisions: two different ids with equal fingerprints would make the later one a false "repeat". The
fingerprint is keyed with a secret of the process (Python's SipHash ``hash()`` of the string, whose key is
random per process; or a keyed BLAKE2b when hash randomisation is off or ``hash()`` is not 64-bit), so no
source can be built to collide, and a run of ``n`` distinct ids meets one false repeat with probability about
``n² / 2⁶⁵``: 3 in 100 million for 1 million ids, 3 in a million for 10 million. A suspected repeat is not
confirmed: confirming needs the first record's own ``source_id``, i.e. about 100 bytes an id more on disk
and a read for every repeat, for a risk far below that of the source itself holding a typo. A false repeat
is visible: it names the record it supposedly repeats, which can be checked.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
import sys
import tempfile
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Literal

from voucherify_async._errors import InvalidArgumentError

__all__ = ["DEFAULT_MEMORY_LIMIT", "DUPLICATES_OPTIONS", "DuplicatesOption", "SourceIdTracker"]

DuplicatesOption = Literal["send", "reject"]
"""What the batcher does with a record whose ``source_id`` repeats an earlier record's: ``send`` it (in source
order, so the server keeps the last copy) or ``reject`` it locally, never sent."""

DUPLICATES_OPTIONS: tuple[DuplicatesOption, ...] = ("send", "reject")

DEFAULT_MEMORY_LIMIT = 128 * 1024 * 1024
"""Bytes the tracker may keep in memory: its filter grows up to half of this (past 90 million ids)."""

_MASK = (1 << 64) - 1
_FILTER_BYTES = 2 * 1024 * 1024  # the filter to start with: flat up to 1.4 million ids
_MIN_FILTER_BYTES = 64
_BITS_PER_ID = 12  # the filter doubles when it would hold fewer bits per id (1 false alarm in 100 then)
_PARTITIONS = 256  # by the fingerprint's top byte
_PARTITION_SHIFT = 56
_RECORD_BYTES = 16  # fingerprint and k, 8 bytes each, in the machine's byte order (as array("Q"))
_pack_record = struct.Struct("=QQ").pack
_BLOCK_BYTES = 2048  # a partition's records go to the file in blocks of (at most) this size
_READ_BYTES = 1 << 20  # the rebuild reads the file in pieces of this size


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


class SourceIdTracker:
    """Remembers the ``source_id`` of every new record of a run and says when a record repeats one.

    Args:
        memory_limit: Bytes the tracker may keep in memory (see the module docs): its filter grows up to half
            of it; below 4 MiB its blocks are smaller too. ``0``: the smallest filter, every record written
            at once (for tests of the file's paths).
        spill_directory: Where the temporary file goes (default: the system's temporary directory).
        expected_ids: How many distinct ids to expect, if known: the filter starts just large enough for
            them (a small run needs less than the 2 MiB it starts with otherwise), sparing its rebuilds; not
            past half of ``memory_limit``. More ids than expected only make it grow.

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
        expected_ids: int | None = None,
    ) -> None:
        if memory_limit < 0:
            raise InvalidArgumentError(f"memory_limit must be at least 0 bytes, got {memory_limit}")
        self.memory_limit = memory_limit
        self.spill_directory = Path(spill_directory) if spill_directory is not None else None
        self._key = None if _builtin_hash_is_keyed() else secrets.token_bytes(16)
        wanted = _FILTER_BYTES if expected_ids is None else expected_ids * _BITS_PER_ID // 8
        self._initial_filter = self._filter_size(wanted)
        self._block_bytes = max(_RECORD_BYTES, min(_BLOCK_BYTES, memory_limit // 2048 // 16 * 16))
        self._file: IO[bytes] | None = None
        self._start_empty()

    def _filter_size(self, wanted: int) -> int:
        """The smallest power of two from ``wanted`` bytes on, up to half the memory limit (at least 64)."""
        size = _MIN_FILTER_BYTES
        while size < wanted and size * 2 <= self.memory_limit // 2:
            size *= 2
        return size

    def _start_empty(self) -> None:
        self._bits = bytearray(self._initial_filter)
        self._bit_mask = 8 * self._initial_filter - 1
        self._grow_at = 8 * self._initial_filter // _BITS_PER_ID
        self._pending = [bytearray() for _ in range(_PARTITIONS)]
        # Each partition's blocks in the file: offset, length, offset, length... (16 bytes a block).
        self._blocks = [array("Q") for _ in range(_PARTITIONS)]
        self._file_end = 0
        self._count = 0
        # Runs of the records between new ids: from the k-th new id on, its position is k + offset.
        self._run_starts = array("Q")
        self._run_offsets = array("Q")
        self._offset = -1

    def __len__(self) -> int:
        """How many distinct ids were seen."""
        return self._count

    def __enter__(self) -> SourceIdTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def spilled(self) -> bool:
        """Whether some fingerprints went to the temporary file already."""
        return self._file is not None

    @property
    def memory_bytes(self) -> int:
        """Bytes the tracker's own buffers take: the filter, the blocks waiting, the stretches."""
        pending = sum(len(block) for block in self._pending)
        return len(self._bits) + pending + 8 * (len(self._run_starts) + len(self._run_offsets))

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
        repeats = self.repeats_in((source_id,), position)
        return repeats[0][1] if repeats else None

    def repeats_in(self, source_ids: Sequence[str | None], first_position: int) -> list[tuple[int, int]]:
        """:meth:`repeat_of` for consecutive records at once: the ``i``-th id is at ``first_position + i``.

        ``None`` stands for a record without a ``source_id`` (neither looked up nor remembered).

        Returns:
            ``(i, first)`` for each id that repeats an earlier one (``first``: where that was first seen),
            in order; every other id is remembered.

        Raises:
            InvalidArgumentError: a new id's position is not past the previous new id's.
        """
        # The hot path of every order: the filter's three bits are worked out here, not in helpers.
        repeats: list[tuple[int, int]] = []
        by_builtin_hash = self._key is None
        bits, mask = self._bits, self._bit_mask
        pending_blocks, block_bytes = self._pending, self._block_bytes
        k = self._count
        position = first_position - 1
        try:
            for index, source_id in enumerate(source_ids):
                position += 1
                if source_id is None:
                    continue
                f = hash(source_id) & _MASK if by_builtin_hash else self.fingerprint(source_id)
                step = (f >> 32) | 1
                a = f & mask
                b = (a + step) & mask
                c = (b + step) & mask
                bit_a, bit_b, bit_c = 1 << (a & 7), 1 << (b & 7), 1 << (c & 7)
                a >>= 3
                b >>= 3
                c >>= 3
                if bits[a] & bit_a and bits[b] & bit_b and bits[c] & bit_c:
                    first = self._find(f)
                    if first is not None:
                        repeats.append((index, self._position_of(first)))
                        continue
                if position - k != self._offset:
                    self._new_stretch(k, position)
                bits[a] |= bit_a
                bits[b] |= bit_b
                bits[c] |= bit_c
                partition = f >> _PARTITION_SHIFT
                pending = pending_blocks[partition]
                pending += _pack_record(f, k)
                k += 1
                if len(pending) >= block_bytes:
                    self._write_block(partition)
                if k > self._grow_at:
                    self._grow_filter()
                    bits, mask = self._bits, self._bit_mask
        finally:
            self._count = k
        return repeats

    def close(self) -> None:
        """Let go of the filter and the blocks waiting, and delete the temporary file (safe to call twice).

        The tracker is empty afterwards, as if new, but its filter starts at the smallest size (it grows
        again as ids come): a run that ends lets go of its memory instead of filling a fresh filter.
        """
        if self._file is not None:
            self._file.close()
            self._file = None
        # Released before the empty state is made: the old filter and a new one are never held together.
        self._bits, self._pending = bytearray(), []
        self._initial_filter = _MIN_FILTER_BYTES
        self._start_empty()

    def _position_of(self, k: int) -> int:
        run = bisect_right(self._run_starts, k) - 1
        return k + self._run_offsets[run]

    def _new_stretch(self, k: int, position: int) -> None:
        offset = position - k
        if offset < self._offset:  # the previous new id is at k - 1 + self._offset
            raise InvalidArgumentError(f"positions must increase: {position} comes after a later one")
        self._run_starts.append(k)
        self._run_offsets.append(offset)
        self._offset = offset

    def _find(self, f: int) -> int | None:
        """The number ``k`` of the id of fingerprint ``f``, if it was seen: a look into its partition."""
        key = f.to_bytes(8, sys.byteorder)
        partition = f >> _PARTITION_SHIFT
        found = _find_record(self._pending[partition], key)
        if found is None and self._file is not None:
            fd = self._file.fileno()
            for offset, length in self._extents(partition):
                found = _find_record(os.pread(fd, length, offset), key)
                if found is not None:
                    break
        return found

    def _extents(self, partition: int) -> Iterator[tuple[int, int]]:
        """The (offset, length) of each of the partition's blocks in the file."""
        blocks = iter(self._blocks[partition])
        return zip(blocks, blocks, strict=True)

    def _write_block(self, partition: int) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(  # noqa: SIM115 (closed by close())
                prefix="voucherify-source-ids-", dir=self.spill_directory
            )
        pending = self._pending[partition]
        self._blocks[partition].extend((self._file_end, len(pending)))
        os.pwrite(self._file.fileno(), pending, self._file_end)
        self._file_end += len(pending)
        self._pending[partition] = bytearray()

    def _grow_filter(self) -> None:
        """Double the filter (up to half the memory limit) and set the bits of every id seen so far.

        The file is read partition by partition for it, and each partition written back in one piece after
        the rest, so that a look into a partition takes one read again; the old pieces' room is then freed.
        """
        size = self._filter_size(2 * len(self._bits))
        if size == len(self._bits):
            self._grow_at = sys.maxsize  # at the memory limit: false alarms grow more frequent instead
            return
        self._bits = bits = bytearray(size)
        self._bit_mask = mask = 8 * size - 1
        self._grow_at = 8 * size // _BITS_PER_ID
        start = self._file_end
        for partition in range(_PARTITIONS):
            records = self._read_partition(partition)
            fingerprints = array("Q")
            fingerprints.frombytes(records)
            for f in fingerprints[::2]:
                step = (f >> 32) | 1
                a = f & mask
                for _ in range(3):
                    bits[a >> 3] |= 1 << (a & 7)
                    a = (a + step) & mask
            if self._file is not None and len(self._blocks[partition]) > 2:
                os.pwrite(self._file.fileno(), records, self._file_end)
                self._blocks[partition] = array("Q", (self._file_end, len(records)))
                self._file_end += len(records)
                self._pending[partition] = bytearray()
        if self._file is not None and self._file_end > start:
            self._move_down(start)

    def _read_partition(self, partition: int) -> bytes:
        pieces = (
            [os.pread(self._file.fileno(), n, at) for at, n in self._extents(partition)] if self._file else []
        )
        return b"".join(pieces) + self._pending[partition]

    def _move_down(self, start: int) -> None:
        """Move the partitions written from ``start`` on to the file's start, past those left as they were."""
        assert self._file is not None
        fd = self._file.fileno()
        kept = sorted(
            (offset, length, p)
            for p in range(_PARTITIONS)
            for offset, length in self._extents(p)
            if offset < start
        )
        at = 0
        for offset, length, partition in kept:  # single blocks left in place: packed to the front
            if offset != at:
                os.pwrite(fd, os.pread(fd, length, offset), at)
                self._blocks[partition] = array("Q", (at, length))
            at += length
        moved = sorted(
            (blocks[0], p) for p, blocks in enumerate(self._blocks) if blocks and blocks[0] >= start
        )
        for offset, partition in moved:
            length = self._blocks[partition][1]
            for done in range(0, length, _READ_BYTES):
                os.pwrite(fd, os.pread(fd, min(_READ_BYTES, length - done), offset + done), at + done)
            self._blocks[partition] = array("Q", (at, length))
            at += length
        os.ftruncate(fd, at)
        self._file_end = at


def _find_record(records: bytes | bytearray, key: bytes) -> int | None:
    """The ``k`` of the record whose fingerprint is ``key`` in ``records`` (16-byte records), if any."""
    index = records.find(key)
    while index >= 0:
        if index % _RECORD_BYTES == 0:
            return int.from_bytes(records[index + 8 : index + 16], sys.byteorder)
        index = records.find(key, index + 1)
    return None
