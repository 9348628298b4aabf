"""SARIF 2.1.0, as GitHub code scanning accepts it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hplint import __version__

if TYPE_CHECKING:
    from hplint.lint import LintResult

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_HELP = "https://github.com/hplint/hplint/blob/main/rules/{code}.md"


def render(result: LintResult, quiet: bool) -> str:
    from hplint.checks import all_rules  # the rules' metadata; other formats do not import them

    rules = all_rules()
    index = {rule.code: position for position, rule in enumerate(rules)}
    descriptors = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "helpUri": _HELP.format(code=rule.code),
            "defaultConfiguration": {"level": _LEVEL[str(rule.severity)]},
        }
        for rule in rules
    ]
    results: list[dict[str, Any]] = []
    for d in result.diagnostics:
        location = d.location
        entry: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _LEVEL[str(d.severity)],
            "message": {"text": d.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": location.path, "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": location.line,
                        "startColumn": location.column,
                        "endLine": location.end_line,
                        "endColumn": location.end_column,
                    },
                }
            }],
        }
        if d.source is not None:
            entry["relatedLocations"] = [{
                "id": 0,
                "physicalLocation": {
                    "artifactLocation": {"uri": d.source.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": d.source.line},
                },
            }]
        results.append(entry)
    payload = {
        "$schema": _SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hplint", "version": __version__, "informationUri": "https://github.com/hplint/hplint",
                "rules": descriptors,
            }},
            "results": results,
        }],
    }
    return json.dumps(payload, indent=2)
