"""The rule book's pages: found in the installed package, or in rules/ of a source checkout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_PACKAGED = Path(__file__).parent / "rules"
_CHECKOUT = Path(__file__).parent.parent / "rules"
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_SECTION = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)
_TITLE = re.compile(r"\A# [^\n]*\n")
_HEADING = re.compile(r"^#{1,6} (?P<title>.+)$")
# Inline markup may run over a line break, never over a blank line.
_CODE_SPAN = re.compile(r"`((?:[^`\n]|\n(?!\n))+)`")
_STRONG = re.compile(r"\*\*(?P<text>(?:[^*\n]|\n(?!\n))+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?P<text>[^\s*](?:[^*\n]|\n(?!\n))*?)(?<!\s)\*(?![\w*])")
_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s]+)\)")
_LIST_ITEM = re.compile(r"^(?:[-*]|\d+\.) ")
_AUTOLINK = re.compile(r"<(?P<target>[a-z]+://[^>\s]+)>")
_DEFAULT_FILENAMES = {
    "python": "train.py", "yaml": "configs/train.yaml", "toml": "configs/train.toml", "json": "configs/train.json",
}


def rules_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def page(code: str) -> str | None:
    path = rules_dir() / f"{code.upper()}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def section(text: str, title: str) -> str:
    """The body of a page's `## title` section, up to the next section ('' when the page has none)."""
    headings = list(_SECTION.finditer(text))
    for position, heading in enumerate(headings):
        if heading.group("title").strip().lower() == title.lower():
            end = headings[position + 1].start() if position + 1 < len(headings) else len(text)
            return text[heading.end():end].strip("\n")
    return ""


def without_title(text: str) -> str:
    """A page without its `# HPnnn name` line: where the page is shown under the rule's own name."""
    return _TITLE.sub("", text, count=1).strip("\n") + "\n"


def description(text: str, limit: int = 1000) -> str:
    """What the rule flags: the first paragraph of `## What it does`, as plain text within `limit` characters.

    A paragraph that ends in a colon brings its list along when both fit; otherwise the sentence
    that introduces the list ends the description. GitHub code scanning takes 1,000 characters
    for a rule's full description.
    """
    first, _, rest = section(text, "What it does").partition("\n\n")
    lead = _plain_inline(" ".join(line.strip() for line in first.splitlines()))
    if lead.endswith(":"):
        items = _list_items(rest.partition("\n\n")[0])
        listed = "\n".join([lead, *(f"- {item}" for item in items)])
        if items and len(listed) <= limit:
            return listed
        lead = _before_last_sentence(lead)
    if len(lead) <= limit:
        return lead
    end = lead.rfind(". ", 0, limit)
    return lead[:end + 1] if end > 0 else lead[:limit - 1] + "…"


def _list_items(block: str) -> list[str]:
    """The items of a Markdown list, each on one line of plain text ([] when the block is not a list)."""
    items: list[list[str]] = []
    for line in block.splitlines():
        marker = _LIST_ITEM.match(line)
        if marker:
            items.append([line[marker.end():].strip()])
        elif items and line.startswith(" "):
            items[-1].append(line.strip())
        else:
            return []
    return [_plain_inline(" ".join(item)) for item in items]


def _before_last_sentence(lead: str) -> str:
    """A paragraph without the sentence that announces a list; that sentence, closed, when it is the only one."""
    end = lead.rfind(". ", 0, len(lead) - 1)
    return lead[:end + 1] if end > 0 else lead[:-1] + "."


def plain_text(text: str) -> str:
    """A page as plain text: headings, code spans, emphasis and links unmarked, code blocks indented."""
    blocks: list[str] = []
    prose: list[str] = []
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            if not in_code:
                blocks.append(_plain_inline("\n".join(prose)))
                prose = []
            in_code = not in_code
        elif in_code:
            blocks.append(f"    {line}" if line else "")
        else:
            heading = _HEADING.match(line)
            prose.append(heading.group("title") if heading else line)
    blocks.append(_plain_inline("\n".join(prose)))
    return "\n".join(blocks).strip("\n") + "\n"


def _plain_inline(text: str) -> str:
    """One line of Markdown without its markup; what is inside a code span stays as written."""
    parts = _CODE_SPAN.split(text)  # odd positions are the contents of code spans
    for position in range(0, len(parts), 2):
        part = _STRONG.sub(r"\g<text>", parts[position])
        part = _EMPHASIS.sub(r"\g<text>", part)
        part = _LINK.sub(r"\g<text> (\g<target>)", part)
        parts[position] = _AUTOLINK.sub(r"\g<target>", part)
    return "".join(parts)


@dataclass(frozen=True)
class ExampleFile:
    filename: str
    content: str


def examples(text: str, title: str) -> list[ExampleFile]:
    """The fenced blocks under `## Bad` or `## Good`: the files of one small project."""
    files = []
    for fence in _FENCE.finditer(section(text, title) + "\n"):
        info = fence.group("info").split()
        language = info[0] if info else "python"
        filename = info[1] if len(info) > 1 else _DEFAULT_FILENAMES.get(language, "train.py")
        files.append(ExampleFile(filename, fence.group("body")))
    return files
