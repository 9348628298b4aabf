"""SARIF 2.1.0, as GitHub code scanning reads it: each rule with its page as help, each finding with its related places."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hplint import __version__

if TYPE_CHECKING:
    from hplint.checks import Rule
    from hplint.diagnostics import Diagnostic
    from hplint.lint import LintResult
    from hplint.location import Location

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# GitHub's `problem.severity` for a rule that is not about security: error | warning | recommendation.
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# No `helpUri` nor `informationUri`: hplint has no public home to link to yet; each rule's page is its `help`.


def render(result: LintResult, quiet: bool) -> str:
    from hplint.checks import all_rules  # the rules' metadata; other formats do not import them

    rules = all_rules()
    index = {rule.code: position for position, rule in enumerate(rules)}
    payload = {
        "$schema": _SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "hplint", "version": __version__, "rules": [_descriptor(rule) for rule in rules]}},
            "columnKind": "unicodeCodePoints",  # hplint counts columns in characters, not UTF-16 units
            "results": [_result(d, index[d.code], rules[index[d.code]]) for d in result.diagnostics],
        }],
    }
    return json.dumps(payload, indent=2)


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    from hplint.rulebook import description, page, plain_text, without_title

    severity = str(rule.severity)
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
    }
    text = page(rule.code)
    if text is not None:
        descriptor["fullDescription"] = {"text": description(text) or rule.summary}
        markdown = without_title(text)
        descriptor["help"] = {"text": plain_text(markdown), "markdown": markdown}
    configuration: dict[str, Any] = {"level": _LEVEL[severity]}
    if not rule.default_enabled:
        configuration["enabled"] = False
    descriptor["defaultConfiguration"] = configuration
    family = rule.__module__.rpartition(".")[2]  # checks/optimizer.py holds the optimizer rules
    descriptor["properties"] = {
        "tags": [family, "correctness"] if severity == "error" else [family],  # an error is a bug: the run is wrong
        # A parse error is the parser's verdict; the other rules read code as a reviewer would.
        "precision": "very-high" if family == "parsing" else "high",
        "problem.severity": _PROBLEM_SEVERITY[severity],
    }
    return descriptor


def _result(d: Diagnostic, rule_index: int, rule: type[Rule]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[str(d.severity)],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": _physical(d.location), **_cell(d.location)}],
    }
    places = [
        place for place in dict.fromkeys(((d.source,) if d.source is not None else ()) + d.related)
        if place != d.location
    ]
    if places:
        entry["message"]["text"] = _linked(d.message, places)
        entry["relatedLocations"] = [
            {"id": number, "physicalLocation": _physical(place), "message": {"text": rule.related_places},
             **_cell(place, message=False)}
            for number, place in enumerate(places, start=1)
        ]
    return entry


def _linked(message: str, places: list[Location]) -> str:
    """The message with the first mention of each related place (`train.py:42`) made a SARIF link to it.

    GitHub code scanning shows related locations only through such links; the text a reader
    sees stays the same.
    """
    linked: set[str] = set()
    for number, place in enumerate(places, start=1):
        written = str(place)  # as a message names it: `train.py:42`
        if written in linked:
            continue  # two places on one line: the mention links to the first
        linked.add(written)
        mention = re.search(rf"(?<![\w./\\\[-]){re.escape(written)}(?!\d)", message)
        if mention is None:
            continue
        link_text = re.sub(r"([\\\[\]])", r"\\\1", written)  # brackets in a link's text are escaped
        message = f"{message[:mention.start()]}[{link_text}]({number}){message[mention.end():]}"
    return message


def _physical(location: Location) -> dict[str, Any]:
    return {
        "artifactLocation": _artifact(location.path),
        "region": {  # in a notebook, lines of the cell: the JSON file's own lines mean nothing to a reader
            "startLine": location.shown_line,
            "startColumn": location.column,
            "endLine": location.shown_end_line,
            "endColumn": location.end_column,
        },
    }


def _cell(location: Location, message: bool = True) -> dict[str, Any]:
    """For a place in a notebook: its cell as a property, and (for the finding itself) said in words."""
    if not location.cell:
        return {}
    said = {"message": {"text": f"cell {location.cell}, line {location.shown_line}"}} if message else {}
    return {**said, "properties": {"cell": location.cell}}


def _artifact(path: str) -> dict[str, str]:
    """A file as a URI: relative to the source root, or a file: URI for a path outside the current folder."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}
