"""Text that cannot become markup: how every string from data reaches a GitHub comment.

A pull request chooses its class, column and category names, its params and the bytes
of its own artifact, so no such string may ever be read as markdown. The rule is
structural, not a list of bad patterns: a string from data is only ever shown as a
code span, one line long, whose backtick fence is longer than any run inside it.
GitHub renders the inside of a code span literally: no markup, HTML, mention, link,
autolink, image or emoji. Control, format (zero-width, right-to-left) and separator
characters are shown as `\\u…` escapes, and a string is cut to a readable length.
Standard library only: the comment job renders with it.
"""

import json
import math
import unicodedata
from typing import Any

MAX_CHARS = 200
# Characters a reader cannot see or that reorder text (Cc control, Cf format: zero-width,
# right-to-left marks; Zl/Zp separators; Co/Cs/Cn private, surrogate, unassigned).
HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def visible(text: str, limit: int = MAX_CHARS) -> str:
    """One visible line: hidden characters as escapes, cut at `limit` characters.

    >>> visible("a\\nb\\u202ec")
    'a\\\\u000ab\\\\u202ec'
    >>> visible("x" * 5, limit=3)
    'xxx…'
    """
    shown = "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in HIDDEN else ch for ch in text[:limit]
    )
    return shown + ("…" if len(text) > limit else "")


def code(text: str, limit: int = MAX_CHARS) -> str:
    """`text` as an inert code span (in a table cell too: its pipes are escaped).

    >>> code("a`b")
    '``a`b``'
    >>> code("x|y")
    '`x\\\\|y`'
    """
    shown = visible(text, limit).replace("\\|", "\\ |").replace("|", "\\|")
    if not shown.strip():
        return "(blank)" if not shown else "` `"
    fence = "`" * (_longest_run(shown, "`") + 1)
    # CommonMark strips one space from each side when both are there; a backtick at
    # either end needs that space to stay apart from the fence.
    pad = " " if shown[0] in "` " or shown[-1] in "` " else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def block(text: str, limit: int = 2000) -> str:
    """`text` as a fenced code block of one line (a message from a failed run)."""
    shown = visible(text, limit)
    fence = "`" * max(3, _longest_run(shown, "`") + 1)
    return f"{fence}text\n{shown}\n{fence}"


def value(item: Any) -> str:
    """A params value (any JSON value) as an inert code span, or a dash when absent.

    >>> value([1, "a"])
    '`[1, "a"]`'
    """
    if item is None:
        return "—"
    return code(json.dumps(item, ensure_ascii=False, sort_keys=True))


def number(item: Any, digits: int = 4) -> str:
    """A finite number with fixed decimals, else a dash: a number can carry no markup.

    >>> number(0.5, 2), number("1"), number(float("nan"))
    ('0.50', '—', '—')
    """
    if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
        return "—"
    return f"{item:.{digits}f}"


def decimals(half_width: Any) -> int:
    """Decimals worth showing beside an interval: two significant digits of its
    half-width, 1 to 6 (no six decimals on 69 rows).

    >>> decimals(0.08), decimals(0.004), decimals(None)
    (3, 4, 4)
    """
    if isinstance(half_width, bool) or not isinstance(half_width, (int, float)):
        return 4
    if not math.isfinite(half_width) or half_width <= 0:
        return 4
    return max(1, min(6, 1 - math.floor(math.log10(half_width))))


def count(item: Any) -> str:
    """A whole number with thousands separators, else a dash.

    >>> count(12345), count(1.5)
    ('12,345', '—')
    """
    if isinstance(item, bool) or not isinstance(item, int):
        return "—"
    return f"{item:,}"


def _longest_run(text: str, char: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == char else 0
        longest = max(longest, run)
    return longest
