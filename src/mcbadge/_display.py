"""Text taken from a credential, a rule or a file name, shown on one line of a report that a
person reads on a terminal.

Such text is the issuer's (or the sender's) to choose. Printed as it is, a line break would
let an achievement name add lines of its own to a report (a forged ``Status:`` line, or a
``VERIFIED`` next to a credential that failed), an escape character would recolour or
rewrite the terminal, and a bidirectional override would show the text in another order
than it is stored. :func:`one_line` shows every such character as a visible escape instead
(``\\n``, ``\\x1b``, ``\\u202e``); everything else, accents and scripts included, is kept.
"""

from __future__ import annotations

import unicodedata

__all__ = ["one_line"]

#: Control (Cc), format (Cf: bidirectional overrides, zero-width characters), line and
#: paragraph separators (Zl, Zp) and lone surrogates (Cs).
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def one_line(text: str) -> str:
    """``text`` with every control, format and line-separator character escaped, so that it
    stays on one line and shows what it holds."""
    if text.isprintable():  # the common case: nothing hidden (isprintable is False for all of them)
        return text
    return "".join(
        _escape(char) if unicodedata.category(char) in _HIDDEN else char for char in text
    )
