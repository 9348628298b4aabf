"""One line of shell split into words, each with where its text starts and ends, in linear time.

The words are those of `shlex.shlex(line, posix=True, punctuation_chars=";&|")` with
`whitespace_split` and `#` comments: quotes removed, backslash escapes applied, runs of `;&|`
as words of their own. shlex itself grows each word one character at a time by string
concatenation on an attribute, which is quadratic in the word's length, and it keeps no
positions, so finding each word again in the line was quadratic in the number of words: a
line of 30,000 words took minutes. Here each word is gathered in a list and knows its span.
"""

from __future__ import annotations

_WHITESPACE = frozenset(" \t\r\n")
_PUNCTUATION = frozenset(";&|")
_QUOTES = frozenset("'\"")
_ESCAPE = "\\"


def split_words(line: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each word: `line[start:end]` is the word as written.

    Raises ValueError for an unclosed quote or a trailing escape, as shlex does.
    """
    words: list[tuple[str, int, int]] = []
    chars: list[str] = []
    quoted = False  # the word held quotes, so it is a word even when empty ('')
    state = " "  # " " between words, "a" in a word, "c" in punctuation, a quote, or the escape
    escaped_from = " "  # the state an escape returns to
    start = 0
    index = 0
    length = len(line)
    while True:
        character = line[index] if index < length else ""
        if state == " ":
            if not character:
                break
            if character in _WHITESPACE:
                index += 1
                continue
            if character == "#":
                break  # a comment runs to the end of the line
            start, chars, quoted = index, [], False
            if character == _ESCAPE:
                escaped_from, state = "a", _ESCAPE
            elif character in _PUNCTUATION:
                chars.append(character)
                state = "c"
            elif character in _QUOTES:
                state = character
            else:
                chars.append(character)
                state = "a"
        elif state in _QUOTES:
            quoted = True
            if not character:
                raise ValueError("No closing quotation")
            if character == state:
                state = "a"
            elif character == _ESCAPE and state == '"':
                escaped_from, state = state, _ESCAPE
            else:
                chars.append(character)
        elif state == _ESCAPE:
            if not character:
                raise ValueError("No escaped character")
            # Inside double quotes only the quote and the escape itself are escaped.
            if escaped_from in _QUOTES and character not in (_ESCAPE, escaped_from):
                chars.append(_ESCAPE)
            chars.append(character)
            state = escaped_from
        else:  # "a" or "c"
            ends = not character or character in _WHITESPACE or character == "#"
            if state == "c":
                if not ends and character in _PUNCTUATION:
                    chars.append(character)
                    index += 1
                    continue
                ends = True
            elif not ends and character in _PUNCTUATION:
                ends = True
            if ends:
                if chars or quoted:
                    words.append(("".join(chars), start, index))
                state = " "
                if character == "#":
                    break  # shlex also takes a `#` inside a word as the start of a comment
                continue  # the character that ended the word is read again between words
            if character in _QUOTES:
                state = character
            elif character == _ESCAPE:
                escaped_from, state = "a", _ESCAPE
            else:
                chars.append(character)
        index += 1
    return words
