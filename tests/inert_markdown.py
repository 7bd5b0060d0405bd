"""What a rendering of hostile report data must hold, checked on the parsed markdown.

GitHub renders comments as CommonMark with GFM tables; markdown-it-py parses them the
same way here. A test puts SENTINEL beside every hostile string: it may then appear
only inside code, never in text the reader sees as prose.
"""

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from classifier.rendering.markdown import COMMENT_LIMIT

SENTINEL = "ZQX"
HTML_ALLOWED = re.compile(r"\s*(<details><summary>[^<]*</summary>|</details>)\s*")
VERDICT = re.compile(r"Quality gate (passed|failed)")


def tokens(markdown: str) -> list[Token]:
    """Every token of the rendering, children included (GitHub: CommonMark + GFM tables)."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    flat = []
    for token in parser.parse(markdown):
        flat.append(token)
        flat += token.children or []
    return flat


def heading_texts(markdown: str) -> list[str]:
    found, inside = [], False
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "heading_open":
            inside = True
        elif token.type == "inline" and inside:
            found.append(token.content)
            inside = False
    return found


def assert_inert(markdown: str, uploads: dict[str, str], passed: bool | None) -> None:
    """The rules a rendering of hostile data must keep (see the module's docstring)."""
    verdicts = [h for h in heading_texts(markdown) if VERDICT.search(h)]
    if passed is None:
        assert verdicts == []
    else:
        assert len(verdicts) == 1, verdicts
        # A gate that passed with an inconclusive rule says so with ⚠️, still passed.
        expected = ("✅ Quality gate passed", "⚠️ Quality gate passed")
        assert verdicts[0].startswith(expected if passed else ("❌ Quality gate failed",)), verdicts
    for token in tokens(markdown):
        if token.type == "image":
            assert token.attrGet("src") in uploads.values(), token.attrGet("src")
        assert token.type not in ("link_open", "autolink"), token
        if token.type in ("html_inline", "html_block"):
            assert HTML_ALLOWED.fullmatch(token.content), token.content
        if token.type == "text":
            assert SENTINEL not in token.content, token.content
            assert not re.search(r"@\w|://|www\.|#\d|&#|&\w+;", token.content), token.content
            assert not re.search(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", token.content)
    assert len(markdown) <= COMMENT_LIMIT
