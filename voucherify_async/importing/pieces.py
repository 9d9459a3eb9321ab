"""The serialised orders of a batch, written one after the other into the request body they make up.

Why one buffer: ``orjson.dumps`` hands each order back in a buffer of about 4 KB whatever its length (a
350-byte order included), so a batch that kept each piece as its own ``bytes`` held 2000 such buffers, about
8 MB, where its body is 0.7 MB; with the batch being sent and the next one being read, that was a quarter of
an import's peak memory. Copying each piece at once into a growing ``bytearray`` keeps only its bytes, and is
no slower than keeping the piece (``benchmarks/RESULTS.md``, section 12): the buffer grows in large steps,
where 2000 fresh allocations each touched new memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from operator import add
from typing import overload

__all__ = ["Pieces"]

_COMMA = 0x2C
_CLOSE = 0x5D


class Pieces(Sequence[bytes]):
    """Serialised orders in source order, kept as the JSON array they are sent as (``[a,b,c]``).

    Appending copies the piece in; reading one back (``pieces[i]``) copies it out. :meth:`body` closes the
    array and returns it as ``bytes``; from then on the pieces are read from the body, and appending
    reopens it (a copy: the builder of a batch never does).

    Example:
        >>> pieces = Pieces([b'{"a":1}'])
        >>> pieces.append(b'{"b":2}')
        >>> pieces.body(), pieces[1], len(pieces)
        (b'[{"a":1},{"b":2}]', b'{"b":2}', 2)
    """

    __slots__ = ("_body", "_data", "_ends")

    def __init__(self, pieces: Iterable[bytes] = ()) -> None:
        self._data = bytearray(b"[")
        self._body: bytes | None = None
        self._ends = array("Q")  # where each piece ends in the array, exclusive
        for piece in pieces:
            self.append(piece)

    def append(self, piece: bytes) -> None:
        """Add ``piece`` (one serialised order) at the end."""
        if self._body is not None:  # tested here: appending is on the path of every order
            self._reopen()
        data = self._data
        if self._ends:
            data.append(_COMMA)
        data += piece
        self._ends.append(len(data))

    def extend(self, pieces: Sequence[bytes]) -> None:
        """Add ``pieces`` at the end, in one copy (what :meth:`append` of each does)."""
        if not pieces:
            return
        if self._body is not None:
            self._reopen()
        data = self._data
        if self._ends:
            data.append(_COMMA)
        start = len(data)
        data += b",".join(pieces)
        # Each piece ends after the pieces before it and one comma each: start + sizes so far + index.
        self._ends.extend(map(add, accumulate(map(len, pieces)), range(start, start + len(pieces))))

    def truncate(self, count: int) -> None:
        """Keep only the first ``count`` pieces."""
        if count >= len(self._ends):
            return
        if self._body is not None:
            self._reopen()
        del self._data[self._ends[count - 1] if count > 0 else 1 :]
        del self._ends[max(count, 0) :]

    def body(self) -> bytes:
        """The JSON array of all the pieces (made once, then kept)."""
        if self._body is None:
            self._data.append(_CLOSE)
            self._body = bytes(self._data)
            self._data = bytearray()
        return self._body

    def body_size(self) -> int:
        """The length of :meth:`body`, without making it."""
        return len(self._body) if self._body is not None else len(self._data) + 1

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self._piece(i) for i in range(*index.indices(len(self._ends)))]
        if index < 0:
            index += len(self._ends)
        if not 0 <= index < len(self._ends):
            raise IndexError("piece index out of range")
        return self._piece(index)

    def __iter__(self) -> Iterator[bytes]:
        source = self._body if self._body is not None else self._data
        start = 1
        for end in self._ends:
            yield bytes(source[start:end])
            start = end + 1

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pieces):
            return self._ends == other._ends and self.body() == other.body()
        if isinstance(other, Sequence) and not isinstance(other, str | bytes | bytearray):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"Pieces({list(self)!r})"

    def _reopen(self) -> None:
        """Open the closed array again for changes: a copy of the body without its ``]``."""
        assert self._body is not None
        self._data, self._body = bytearray(self._body[:-1]), None

    def _piece(self, index: int) -> bytes:
        source = self._body if self._body is not None else self._data
        start = self._ends[index - 1] + 1 if index else 1
        return bytes(source[start : self._ends[index]])


def as_pieces(pieces: Iterable[bytes]) -> Pieces:
    """``pieces`` as :class:`Pieces` (the same object when it is one already)."""
    return pieces if isinstance(pieces, Pieces) else Pieces(pieces)
