"""The rule book's pages: found in the installed package, or in rules/ of a source checkout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_PACKAGED = Path(__file__).parent / "rules"
_CHECKOUT = Path(__file__).parent.parent / "rules"
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_SECTION = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)
_DEFAULT_FILENAMES = {
    "python": "train.py", "yaml": "configs/train.yaml", "toml": "configs/train.toml", "json": "configs/train.json",
}


def rules_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def page(code: str) -> str | None:
    path = rules_dir() / f"{code.upper()}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


@dataclass(frozen=True)
class ExampleFile:
    filename: str
    content: str


def examples(text: str, section: str) -> list[ExampleFile]:
    """The fenced blocks under `## Bad` or `## Good`: the files of one small project."""
    headings = list(_SECTION.finditer(text))
    for position, heading in enumerate(headings):
        if heading.group("title").strip().lower() != section.lower():
            continue
        end = headings[position + 1].start() if position + 1 < len(headings) else len(text)
        body = text[heading.end():end]
        files = []
        for fence in _FENCE.finditer(body):
            info = fence.group("info").split()
            language = info[0] if info else "python"
            filename = info[1] if len(info) > 1 else _DEFAULT_FILENAMES.get(language, "train.py")
            files.append(ExampleFile(filename, fence.group("body")))
        return files
    return []
