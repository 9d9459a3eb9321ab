"""Split a JSON array read from a file into its elements, incrementally: the file is never loaded whole.

Two ways to find where an element ends, the fast one first:

- an object element usually ends at a ``}`` followed by ``,`` and the next object (or by the array's
  final ``]``); the first such prefix of the element that orjson parses *is* the element (a JSON object
  is self-delimiting: a prefix that parses completely ends at the element's own closing brace), so the
  scanner tries a few of those candidates and gets the parsed value at once;
- otherwise (other kinds of elements, or a malformed one that no candidate parses), a small scanner follows
  strings and brackets to the end of the element, which is then parsed on its own.

Memory holds the read buffer and the element being read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from typing import Any, BinaryIO

import orjson

from voucherify_async.importing.errors import SourceError

__all__ = ["split_json_array", "split_json_array_texts"]

_CHUNK = 1 << 16
# One token of JSON structure: a whole string, a bracket, a comma, or a lone quote (a string that goes on
# past the end of the buffer: read more and look again).
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_JSON_TOKEN = re.compile(_STRING + rb'|[\[\]{},"]', re.DOTALL)
# Inside an element only brackets matter: skip strings and everything else up to the next bracket in one
# match (or a lone quote, as above). Anchored with .match(), so a buffer without a bracket costs one pass.
_INSIDE_ELEMENT = re.compile(rb'[^"\[\]{}]*(?:' + _STRING + rb'[^"\[\]{}]*)*([\[\]{}"])', re.DOTALL)
# Where an object element may end: a closing brace before the next object of the array, or before a closing
# bracket at the end of what was read (the array's end). Braces of nested objects rarely look like that.
_OBJECT_END = re.compile(rb"}(?=\s*,\s*\{|\s*\]\s*\Z)")
_FAST_TRIES = 8
_FAST_REACH = 1 << 20  # give up the fast way for an element still open this far on
_NEED_MORE = object()
_NO_LUCK = object()

Malformed = Callable[[str, str], Any]
"""Builds what is yielded for an element that is not JSON, from its location and the reason."""

NonObject = Callable[[str, Any], Any]
"""Builds what is yielded for an element that is JSON but not an object, from its location and its value."""


def json_error_reason(error: orjson.JSONDecodeError) -> str:
    """Why a record is not JSON, placed within the record itself.

    orjson's own message ends with "line 1 column 9": that counts from the start of the record, not of the
    file, so next to the file's line number it would read as the file's line 1.
    """
    return f"not valid JSON: {error.msg} at character {error.pos + 1} of the record"


def _fast_object(buffer: bytes, begin: int, *, at_eof: bool) -> tuple[int, Any] | object:
    """Find and parse the object element starting at ``begin`` by trying its candidate ends.

    Returns:
        ``(end, value)``; ``_NEED_MORE`` when no candidate is in the buffer yet; ``_NO_LUCK`` when the
        candidates do not parse (the scanner takes over).
    """
    for tries, match in enumerate(_OBJECT_END.finditer(buffer, begin), 1):
        try:
            return match.end(), orjson.loads(buffer[begin : match.end()])
        except orjson.JSONDecodeError:
            if tries >= _FAST_TRIES:
                return _NO_LUCK
    return _NO_LUCK if at_eof or len(buffer) - begin > _FAST_REACH else _NEED_MORE


def _next_token(buffer: bytes, scan: int, depth: int) -> tuple[bytes, int, int] | None:
    """The next structural token at or after ``scan``: ``(token, start, end)``, or ``None`` if none yet."""
    if depth >= 2:
        match = _INSIDE_ELEMENT.match(buffer, scan)
        return None if match is None else (match.group(1), match.start(1), match.end())
    match = _JSON_TOKEN.search(buffer, scan)
    return None if match is None else (match.group(), match.start(), match.end())


class _Splitter:
    """The state of the scan of one file."""

    def __init__(self, file: BinaryIO, name: str, malformed: Malformed, non_object: NonObject | None) -> None:
        self.file = file
        self.name = name
        self.malformed = malformed
        self.non_object = non_object
        self.buffer = b""
        self.scan = 0  # where the scanner goes on in `buffer`
        self.start = -1  # where the current element starts in `buffer`; -1 before the opening bracket
        self.depth = 0
        self.record = 0
        self.line = 1  # line number at buffer[0]
        self.parsed: list[Any] = []  # the current element, when the fast way already parsed it

    def elements(self) -> Iterator[Any]:
        while True:
            # Read at least as much as is kept: an element far larger than a chunk is rescanned only a few
            # times (the scan of an unfinished element restarts where its last complete token ended).
            chunk = self.file.read(max(_CHUNK, len(self.buffer)))
            if not chunk and self.scan >= len(self.buffer):
                break
            self.buffer += chunk
            finished = yield from self._scan(at_eof=not chunk)
            if finished:
                return
            self._keep_unfinished()
            if not chunk:
                break
        if self.start < 0:
            raise SourceError(f"{self.name}: the file is empty or blank; expected a JSON array of orders")
        raise SourceError(
            f"{self.name}: the JSON array ends early (after {self.record} records; the file is cut short?)"
        )

    def _scan(self, *, at_eof: bool) -> Generator[Any, None, bool]:
        buffer = self.buffer
        while (found := _next_token(buffer, self.scan, self.depth)) is not None:
            token, token_start, self.scan = found
            if token == b'"':
                if not at_eof:
                    self.scan = token_start  # a string cut by the end of the buffer
                    return False
                continue
            if self.start < 0:
                if token != b"[":
                    raise SourceError(f"{self.name}: expected a JSON array of orders")
                self.depth, self.start = 1, self.scan
            elif token == b"{" and self.depth == 1 and not self.parsed:
                fast = _fast_object(buffer, token_start, at_eof=at_eof)
                if fast is _NEED_MORE:
                    self.scan = token_start
                    return False
                if isinstance(fast, tuple):
                    self.scan, value = fast
                    self.parsed.append(value)
                else:
                    self.depth += 1
            elif token in (b"[", b"{"):
                self.depth += 1
            elif token in (b"]", b"}"):
                self.depth -= 1
                if self.depth == 0:
                    if self.record or self.parsed or buffer[self.start : token_start].strip():
                        yield self._element(token_start)
                    return True
            elif token == b"," and self.depth == 1:
                yield self._element(token_start)
                self.start = self.scan
        if self.depth < 2:
            self.scan = len(buffer)  # nothing structural left in the buffer
        return False

    def _element(self, end: int) -> Any:
        self.record += 1
        if self.parsed:
            return self.parsed.pop()
        text = self.buffer[self.start : end]
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            return self.malformed(self._location(text), json_error_reason(error))
        if self.non_object is not None and value.__class__ is not dict:
            return self.non_object(self._location(text), value)
        return value

    def _location(self, text: bytes) -> str:
        """Where the element ``text`` (which starts at ``self.start``) is: ``"record N (line L)"``."""
        leading = len(text) - len(text.lstrip())
        at = self.line + self.buffer.count(b"\n", 0, self.start + leading)
        return f"record {self.record} (line {at})"

    def _keep_unfinished(self) -> None:
        if self.start < 0:
            if self.buffer.strip():
                raise SourceError(f"{self.name}: expected a JSON array of orders")
            self.line += self.buffer.count(b"\n")
            self.buffer, self.scan = b"", 0
            return
        # Keep only the unfinished element; count the lines dropped for error messages.
        self.line += self.buffer.count(b"\n", 0, self.start)
        self.buffer = self.buffer[self.start :]
        self.scan -= self.start
        self.start = 0


def split_json_array(
    file: BinaryIO, name: str, malformed: Malformed, *, non_object: NonObject | None = None
) -> Iterator[Any]:
    """Yield the elements of the JSON array in ``file`` as they are read.

    Args:
        file: The file, opened in binary mode.
        name: Its name, for errors.
        malformed: Builds what is yielded for an element that is not JSON (from ``"record N (line L)"``
            and the reason).
        non_object: Builds what is yielded for an element that is JSON but not an object (from
            ``"record N (line L)"`` and the value); ``None``: such an element is yielded as it is.

    Raises:
        SourceError: When the file does not hold a JSON array or the array is cut short.
    """
    return _Splitter(file, name, malformed, non_object).elements()


class _ElementTexts(_Splitter):
    """The scan of :func:`split_json_array`, yielding each element's text instead of its value."""

    def _element(self, end: int) -> bytes:
        super()._element(end)
        return self.buffer[self.start : end].strip()


def split_json_array_texts(file: BinaryIO, name: str, malformed: Malformed) -> Iterator[bytes]:
    """Yield each element of the JSON array in ``file`` as the text the file holds (without the blanks
    around it), cut where :func:`split_json_array` cuts: the writer of a rejects file copies an element
    that is not JSON byte for byte.

    Raises:
        SourceError: When the file does not hold a JSON array or the array is cut short.
    """
    return _ElementTexts(file, name, malformed, None).elements()
