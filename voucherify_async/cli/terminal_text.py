"""Text the commands print, made safe and readable on a terminal: the one place that does it.

Reasons, ids and error messages come from the order file or the server, and either may hold control
characters: an ``ESC`` starting an ANSI or OSC sequence (``"\\x1b]0;pwned\\x07"`` retitles the window,
``"\\x1b[2J"`` clears the screen), a ``\\r`` that overwrites what came before, a C1 control, a bidi override
(U+202E) that shows text reversed. :func:`terminal_safe` turns each into a visible escape (``\\x1b``,
``\\u202e``) and keeps every other character, é and 日本 too. :func:`fit` wraps long lines at words for a
terminal's width (an id or a path is never broken inside), and :func:`terminal_width` tells that width.
"""

from __future__ import annotations

import os
import re
import textwrap
from typing import TextIO

__all__ = ["fit", "print_lines", "terminal_safe", "terminal_width"]

# C0 controls (newline and tab too: a reason is one line), DEL, C1 controls, the line and paragraph
# separators, and the bidi marks, embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def terminal_safe(text: str) -> str:
    """``text`` with every control character turned into a visible escape; one line, whatever it held.

    Example:
        >>> terminal_safe("o-1\\x1b[2J\\u202e é")
        'o-1\\\\x1b[2J\\\\u202e é'
    """
    return _CONTROLS.sub(_visible, text)


def fit(text: str, width: int | None, *, indent: int | None = None) -> str:
    """Each line of ``text`` wrapped at words to keep within ``width`` columns (``None``: a file or a pipe,
    as is); a line's continuations are indented ``indent`` columns (``None``: like the line itself)."""
    if width is None:
        return text
    lines = []
    for line in text.split("\n"):
        if len(line) < width:
            lines.append(line)
            continue
        columns = len(line) - len(line.lstrip(" ")) if indent is None else indent
        wrapper = textwrap.TextWrapper(
            width - 1, subsequent_indent=" " * columns, break_long_words=False, break_on_hyphens=False
        )
        lines.append(wrapper.fill(line))
    return "\n".join(lines)


def terminal_width(stream: TextIO) -> int | None:
    """The width of the terminal ``stream`` writes to; ``None`` for a file or a pipe (any length goes)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns if stream.isatty() else None
    except (OSError, ValueError):
        return None


def print_lines(stream: TextIO, *lines: str) -> None:
    """Print ``lines`` to ``stream``, each :func:`terminal_safe` and wrapped at words to its terminal's width
    (no line: nothing).

    Example:
        >>> print_lines(sys.stderr, f"error: {error}")  # doctest: +SKIP
    """
    if not lines:
        return
    width = terminal_width(stream)
    print("\n".join(fit(terminal_safe(line), width) for line in lines), file=stream)
