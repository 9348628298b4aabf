"""Suppression comments of a file, as written: where they are, what they name, which lines they cover.

Python comments are read from the tokens, so a `#` inside a string is not a comment; YAML, TOML
and shell comments from each line, outside quotes. Nothing here judges a comment: a malformed
one is recorded with its form (HP003 reports it) and applied by `hplint/suppression.py`.

A comment at the end of a line covers the lines before it that cannot hold a comment of their
own: in Python the lines of a multi-line string and backslash continuations, in shell backslash
continuations (a launch line split over several lines). `comment_line` says, for a line, where
a comment covering it has to go.
"""

from __future__ import annotations

import bisect
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace

from hplint.suppression import Suppression

_CANDIDATE = re.compile(r"#\s*(?:hplint|noqa)\b", re.IGNORECASE)
_HPLINT = re.compile(r"#\s*hplint\b(?P<colon>\s*:)?\s*", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z_-]*")
_TOKEN = re.compile(r"[\s,]*([A-Za-z0-9]+)")
_CODE_LIKE = re.compile(r"(?:[A-Za-z]{1,5}[0-9][A-Za-z0-9]*|HP)\Z", re.IGNORECASE)
_ITEM_SEPARATOR = re.compile(r"[\s,]+")
_DIRECTIVES = ("ignore", "ignore-file")
# Where each language breaks lines (so that line numbers agree with its parser's).
_LINE_BREAKS = {
    "python": re.compile(r"\r\n|\r|\n"),
    "yaml": re.compile("\r\n|[\r\n\x85\u2028\u2029]"),
    "toml": re.compile(r"\r\n|\n"),
    "shell": re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"),  # str.splitlines, as the launch reader
}


def split_lines(text: str, language: str) -> list[tuple[str, str]]:
    """Each line of `text` and the break that ends it ("" for a last line without one)."""
    breaks = _LINE_BREAKS.get(language, _LINE_BREAKS["python"])
    lines = []
    start = 0
    for found in breaks.finditer(text):
        lines.append((text[start:found.start()], found.group(0)))
        start = found.end()
    if start < len(text):
        lines.append((text[start:], ""))
    return lines


def find_suppressions(text: str, language: str = "python") -> tuple[Suppression, ...]:
    """Every suppression comment in a Python, YAML, TOML or shell text, in order."""
    if "#" not in text or not _CANDIDATE.search(text):
        return ()
    text = text.removeprefix("\ufeff")
    lines = [line for line, _ in split_lines(text, language)]
    tokens = _python_tokens(text) if language == "python" else None
    if tokens is not None:
        comments = _python_comments(tokens)
        first_line = _python_coverage(_python_commentable(tokens))
    else:
        comments = _line_comments(lines, language)
        first_line = _shell_coverage(lines) if language == "shell" else _own_line_only
    found: list[Suppression] = []
    for number, column, comment in comments:
        if not _CANDIDATE.search(comment):
            continue
        own_line = not lines[number - 1][:column].strip()
        for start, end, codes, style, everything, scope, form in _directives(comment):
            found.append(Suppression(
                number, codes, style, everything, scope, form, column + start + 1, column + end + 1,
                first_line(number), own_line, comment[start:end],
            ))
    return tuple(found)


def in_cells(
    suppressions: tuple[Suppression, ...], cells: Sequence[tuple[int, int, int]], dedented: Mapping[int, int],
) -> tuple[Suppression, ...]:
    """A notebook's suppressions, found in its joined code, told their cell: `cells` are (number, offset,
    lines) as `extract/notebook.py` joins them, `dedented` the indentation IPython took off a joined line
    (the columns move back by it, to where the comment is written in the cell)."""
    spans = [cell for cell in cells if cell[2]]
    starts = [offset for _, offset, _ in spans]
    placed = []
    for comment in suppressions:
        index = bisect.bisect_left(starts, comment.line) - 1
        if index < 0:
            placed.append(comment)
            continue
        number, offset, _ = spans[index]
        shift = dedented.get(comment.line, 0)
        placed.append(replace(
            comment, cell=number, cell_offset=offset, column=comment.column + shift, end_column=comment.end_column + shift,
        ))
    return tuple(placed)


def comment_line(text: str, language: str) -> dict[int, int | None] | None:
    """For Python and shell: each line that cannot hold a comment of its own, and the line where the
    comment covering it goes (None: no line can). Lines not listed hold their own comment. None when
    the text cannot be read as Python."""
    text = text.removeprefix("\ufeff")
    lines = split_lines(text, language)
    if language == "python":
        tokens = _python_tokens(text)
        if tokens is None:
            return None
        commentable = _python_commentable(tokens)
    elif language == "shell":
        commentable = [number for number, (line, _) in enumerate(lines, start=1) if not _continued(line)]
    else:
        return {}
    targets: dict[int, int | None] = {}
    for line in range(1, len(lines) + 1):
        position = bisect.bisect_left(commentable, line)
        target = commentable[position] if position < len(commentable) else None
        if target != line:
            targets[line] = target
    return targets


def _own_line_only(number: int) -> int:
    return 0


def _python_coverage(commentable: list[int]) -> Callable[[int], int]:
    """For a comment's line, the first line it covers: the lines since the last one a comment could end."""

    def first_line(number: int) -> int:
        position = bisect.bisect_left(commentable, number)
        previous = commentable[position - 1] if position > 0 else 0
        return previous + 1 if previous + 1 < number else 0

    return first_line


def _shell_coverage(lines: list[str]) -> Callable[[int], int]:
    """For a comment's line, the first line of the command it ends (backslash continuations)."""

    def first_line(number: int) -> int:
        first = number
        while first > 1 and _continued(lines[first - 2]):
            first -= 1
        return first if first < number else 0

    return first_line


def _continued(line: str) -> bool:
    """A shell line that goes on to the next: it ends in an unescaped backslash (as the launch reader reads it)."""
    stripped = line.rstrip()
    return stripped.endswith("\\") and (len(stripped) - len(stripped.rstrip("\\"))) % 2 == 1


def _python_tokens(text: str) -> list[tuple[int, int, int, str]] | None:
    """(type, line, column, string) of each token; None when the tokenizer gives up on the text."""
    import tokenize

    try:
        return [
            (token.type, token.start[0], token.start[1], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline)
        ]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None


def _python_comments(tokens: list[tuple[int, int, int, str]]) -> list[tuple[int, int, str]]:
    import tokenize

    return [(line, column, string) for kind, line, column, string in tokens if kind == tokenize.COMMENT]


def _python_commentable(tokens: list[tuple[int, int, int, str]]) -> list[int]:
    """The lines that end outside any string and not in a backslash continuation: the ones a comment may end."""
    import tokenize

    return sorted({line for kind, line, _, _ in tokens if kind in (tokenize.NEWLINE, tokenize.NL)})


def _line_comments(lines: list[str], language: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each comment that may hold a directive, read line by line."""
    found = []
    for number, line in enumerate(lines, start=1):
        if "#" not in line or not _CANDIDATE.search(line):
            continue
        start = _comment_start(line, language)
        if start >= 0:
            found.append((number, start, line[start:]))
    return found


def _comment_start(line: str, language: str) -> int:
    """Where the line's comment starts, outside quotes; -1 when it has none.

    In YAML a `#` starts a comment at the start of the line or after whitespace; in Python and
    TOML anywhere outside a string; in shell after whitespace, or when a directive follows it
    directly (`LR := 3e-4# hplint: ignore[HP103]` in a Makefile, where a space would become
    part of the value).
    """
    quote = ""
    index = 0
    length = len(line)
    while index < length:
        character = line[index]
        if quote:
            if character == "\\" and quote == '"':
                index += 2
                continue
            if character == quote:
                if language == "yaml" and quote == "'" and line.startswith("''", index):
                    index += 2
                    continue
                quote = ""
        elif character == "#":
            if index == 0 or line[index - 1] in " \t" or language in ("python", "toml") or (
                language == "shell" and _CANDIDATE.match(line, index)
            ):
                return index
        elif character in "'\"" and (language != "yaml" or index == 0 or line[index - 1] in " \t[{,:-?"):
            quote = character
        elif character == "\\" and language in ("shell", "python"):
            index += 2
            continue
        index += 1
    return -1


Directive = tuple[int, int, tuple[str, ...], str, bool, str, str]  # start, end, codes, style, everything, scope, form


def _directives(comment: str) -> Iterator[Directive]:
    for found in _CANDIDATE.finditer(comment):
        if found.group(0).lower().endswith("noqa"):
            noqa = _NOQA.match(comment, found.start())
            if noqa is not None:
                codes = tuple(code.upper() for code in re.findall(r"[A-Za-z]+[0-9]+", noqa.group("codes") or ""))
                yield found.start(), noqa.end(), codes, "noqa", not codes, "line", "noqa"
            continue
        directive = _hplint(comment, found.start())
        if directive is not None:
            yield directive


def _hplint(comment: str, start: int) -> Directive | None:
    """An `# hplint...` directive, well formed or not; None for prose that mentions hplint."""
    head = _HPLINT.match(comment, start)
    if head is None:
        return None
    colon = head.group("colon") is not None
    word = _WORD.match(comment, head.end())
    name = word.group(0).lower() if word is not None else ""
    if name not in _DIRECTIVES:
        if not colon:
            return None  # `# hplint reads this config`: not an attempt at a directive
        end = word.end() if word is not None else head.end()
        codes, codes_end = _leading_codes(comment, _after_separator(comment, end))
        return start, max(end, codes_end), codes, "hplint", False, "line", "unknown-directive"
    assert word is not None
    scope = "file" if name == "ignore-file" else "line"
    form, codes, everything, end = _after_word(comment, word.end())
    return start, end, codes, "hplint", everything, scope, form if colon else "no-colon"


def _after_word(comment: str, position: int) -> tuple[str, tuple[str, ...], bool, int]:
    """The form, codes, whether it hides every rule, and where it ends, from just after `ignore`."""
    spaced = re.compile(r"[ \t]+\[").match(comment, position)
    if comment.startswith("[", position) or spaced is not None:
        opening = spaced.end() - 1 if spaced is not None else position
        closing = comment.find("]", opening + 1)
        if closing < 0:
            codes, end = _leading_codes(comment, opening + 1)
            return "unclosed", codes, False, max(end, opening + 1)
        items = tuple(item.upper() for item in _ITEM_SEPARATOR.split(comment[opening + 1:closing]) if item)
        if not items:
            return "empty", (), False, closing + 1
        return ("spaced" if spaced is not None else "brackets"), items, False, closing + 1
    after = _after_separator(comment, position)
    codes, end = _leading_codes(comment, after)
    if not codes:
        return "bare", (), True, position
    if comment[after - 1:after] == "(" and comment.startswith(")", end):
        end += 1
    return "no-brackets", codes, False, end


def _after_separator(comment: str, position: int) -> int:
    separator = re.compile(r"[ \t]*[:=(]?[ \t]*").match(comment, position)
    return separator.end() if separator is not None else position


def _leading_codes(comment: str, position: int) -> tuple[tuple[str, ...], int]:
    """The code-like words from `position` on (HP206, E501, HP, HP2O6), up to the first other word."""
    codes: list[str] = []
    end = position
    while True:
        token = _TOKEN.match(comment, end)
        if token is None or not _CODE_LIKE.match(token.group(1)):
            return tuple(codes), end
        codes.append(token.group(1).upper())
        end = token.end()
