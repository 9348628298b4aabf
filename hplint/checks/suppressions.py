"""HP003-HP004: suppression comments that are malformed, name no rule, or suppress nothing.

These judge comments, not training: HP003 reads the comments extraction found (facts of each
file, like HP001's parse errors); HP004 needs to know which findings each comment hid, so it
is judged after suppression (`hplint/lint.py`), by `UnusedSuppression.finding`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hplint.checks import Rule, all_rules
from hplint.diagnostics import Diagnostic, Fix, Severity, comment_fix
from hplint.location import Location
from hplint.project import Project
from hplint.suppression import UNUSED_SUPPRESSION, Suppression, Unused, canonical, is_ours, without

_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "Z": "2", "B": "8"})

_WHY = {
    "no-brackets": "names its codes without brackets",
    "spaced": "has a space before its `[`",
    "unclosed": "has no closing `]`",
    "no-colon": "has no colon after `hplint`",
}


class InvalidSuppression(Rule):
    code = "HP003"
    name = "invalid-suppression"
    severity = Severity.WARNING
    summary = "a malformed hplint suppression comment, or one naming a code that is no hplint rule"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        known = tuple(rule.code for rule in all_rules())
        for path, file in project.files.items():
            for comment in file.suppressions:
                if not is_ours(comment):
                    continue
                message = _problem(comment, known)
                if message:
                    place = _place(path, comment)
                    rewrite = invalid_rewrite(comment, known)
                    fix = _rewriting(place, comment, rewrite) if rewrite is not None else None
                    yield self.diagnostic(message, place, fix=fix)


def _problem(comment: Suppression, known: tuple[str, ...]) -> str:
    unknown = [code for code in comment.codes if not any(rule.startswith(code) for rule in known)]
    valid = [code for code in comment.codes if code not in unknown]
    shown = f"`{comment.text}`"
    if comment.form == "unknown-directive":
        return (
            f"{shown} is not an hplint directive (hplint knows `ignore[...]` at the end of a line and "
            f"`ignore-file[...]` on a line of its own): it suppresses nothing; write `{canonical(comment, valid)}`"
        )
    if comment.scope == "file" and not comment.own_line:
        return f"{shown} follows code on its line, so it suppresses nothing; put it on a line of its own"
    if comment.form == "empty":
        return f"{shown} names no code and suppresses nothing; name the codes (`{canonical(comment, ['HP101'])}`) or remove it"
    parts = []
    if comment.form in _WHY:
        hidden = "every rule" if comment.everything else (", ".join(valid) + " only" if valid else "nothing")
        parts.append(f"{shown} {_WHY[comment.form]}: it suppresses {hidden}")
    if unknown:
        names = ", ".join(f"`{code}`{_did_you_mean(code, known)}" for code in unknown)
        noun = "is not an hplint rule code" if len(unknown) == 1 else "are not hplint rule codes"
        parts.append(f"{names} in {shown} {noun} (see `hplint rules`) and suppresses nothing" if not parts
                     else f"{names} {noun}")
    if not parts:
        return ""
    rewrite = invalid_rewrite(comment, known)
    advice = f"write `{rewrite}`" if rewrite else "name a rule, or remove it"
    return "; ".join(parts) + f"; {advice}"


def invalid_rewrite(comment: Suppression, known: tuple[str, ...]) -> str | None:
    """What a fix writes in place of an invalid comment's `text` ("" removes it), hiding exactly what it
    hides now; None when no such edit exists (an unknown directive or an `ignore-file` after code would
    start hiding something, a comment naming only unknown codes needs its author)."""
    if comment.form == "unknown-directive" or (comment.scope == "file" and not comment.own_line):
        return None
    if comment.form == "empty":
        return ""
    valid = [code for code in comment.codes if any(rule.startswith(code) for rule in known)]
    if not valid and not comment.everything:
        return None
    if comment.style == "noqa":
        return without(comment, [code for code in comment.codes if code not in valid])
    return canonical(comment, valid)


def unused_rewrite(unused: Unused) -> str:
    """What a fix writes in place of an unused comment's `text`: the comment without its unused codes,
    "" (remove it) when nothing of it is used."""
    return "" if unused.whole else without(unused.comment, unused.codes)


def _did_you_mean(code: str, known: tuple[str, ...]) -> str:
    guess = code[:2] + code[2:].translate(_TYPO)
    return f" (did you mean {guess}?)" if guess != code and guess in known else ""


class UnusedSuppression(Rule):
    code = UNUSED_SUPPRESSION
    name = "unused-suppression"
    severity = Severity.INFO
    summary = "an hplint suppression comment (or a `# noqa:` of hplint codes) that suppressed nothing"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        return iter(())  # judged after suppression, by `finding`: only then is it known what each comment hid

    def finding(self, unused: Unused) -> Diagnostic:
        comment = unused.comment
        where = "in this file" if comment.scope == "file" else (
            f"on lines {comment.covers_from - comment.cell_offset}-{comment.line - comment.cell_offset}"
            if comment.covers_from < comment.line else "on this line"
        )
        shown = f"`{comment.text}`"
        if unused.whole:
            named = ", ".join(unused.codes)
            what = f"{shown}: no {named} finding {where}" if named else f"{shown} suppresses nothing {where}"
            message = f"{what}; remove it"
        else:
            named = ", ".join(unused.codes)
            verb = "suppresses" if len(unused.codes) == 1 else "suppress"
            message = f"{named} in {shown} {verb} nothing {where}; keep `{unused_rewrite(unused)}`"
        place = _place(unused.path, comment)
        return self.diagnostic(message, place, fix=_rewriting(place, comment, unused_rewrite(unused)))


def _rewriting(place: Location, comment: Suppression, rewrite: str) -> Fix:
    """The safe fix that writes `rewrite` in place of the comment (removes it, for ""): it hides what it hid."""
    title = f"write `{rewrite}`" if rewrite else "remove the suppression"
    return comment_fix(place, comment.text, rewrite, title)


def _place(path: str, comment: Suppression) -> Location:
    return Location(path, comment.line, comment.column, comment.line, comment.end_column, comment.cell, comment.cell_offset)
