"""MkDocs hook: code blocks stay out of the search index.

Material's search loads the whole index on every page, and code was almost a third of it.
Readers search for a topic or an API by name, which the prose around each block names
too. Material's indexer skips any element marked `data-search-exclude`
(material/plugins/search/plugin.py), so this marks each highlighted block after
Markdown has rendered the page and before the index is built. Zensical builds its own
index and ignores MkDocs hooks.
"""

from __future__ import annotations

import re
from typing import Any

# pymdownx.highlight wraps each fenced block in <div class="language-x highlight">.
_CODE_BLOCK = re.compile(r'<div class="(?P<classes>[^"]*\bhighlight\b[^"]*)"')


def exclude_code_blocks(html: str) -> str:
    """The page's HTML with every highlighted code block marked data-search-exclude."""
    return _CODE_BLOCK.sub(r'<div class="\g<classes>" data-search-exclude', html)


def on_page_content(html: str, **kwargs: Any) -> str:
    return exclude_code_blocks(html)
