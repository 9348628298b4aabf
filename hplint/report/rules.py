"""The rule book as data, for `hplint rules`: a table to read, or JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hplint.checks import Rule


def rules_table(rules: Sequence[type[Rule]]) -> str:
    rows = [(rule.code, rule.name, str(rule.severity), "on" if rule.default_enabled else "off", rule.summary) for rule in rules]
    width = max(len(row[1]) for row in rows)
    lines = [f"{'code':6}  {'name':{width}}  {'severity':8}  {'default':7}  summary"]
    lines += [f"{code:6}  {name:{width}}  {severity:8}  {default:7}  {summary}" for code, name, severity, default, summary in rows]
    return "\n".join(lines)


def rules_json(rules: Sequence[type[Rule]]) -> str:
    """One object per rule: code, name, severity, default_enabled, summary, options (name -> default)."""
    return json.dumps([_rule(rule) for rule in rules], indent=2, ensure_ascii=False)


def _rule(rule: type[Rule]) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": str(rule.severity),
        "default_enabled": rule.default_enabled,
        "summary": rule.summary,
        "options": dict(rule.options),
    }
