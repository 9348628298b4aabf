"""`--show-facts`: what hplint extracted, as a table or as `{"facts": [...]}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hplint.facts import ModelDef, to_json

if TYPE_CHECKING:
    from hplint.lint import LintResult

_HYPERPARAMETERS = (
    "lr", "batch_size", "eval_batch_size", "epochs", "max_steps", "grad_accum", "dropout",
    "weight_decay", "momentum", "warmup", "patience",
)


def facts_json(result: LintResult) -> dict[str, Any]:
    facts: list[Any] = [to_json(fact) for file in result.files for fact in file.facts]
    for name in _HYPERPARAMETERS:
        facts.extend(to_json(setting) for setting in result.project.settings(name))
    return {"facts": facts}


def facts_table(result: LintResult) -> str:
    rows = [("where", "hyperparameter", "value", "from", "used by")]
    for name in _HYPERPARAMETERS:
        for setting in result.project.settings(name):
            rows.append((
                str(setting.value.origin), name, repr(setting.value.value),
                " ← ".join(hop.description for hop in setting.value.chain) or "-",
                f"{setting.describe_use()}{' (eval)' if setting.role == 'eval' else ''}",
            ))
    lines = _table(sorted(rows[1:], key=lambda row: row[0]), rows[0])
    models = [("where", "model", "kind", "output ops")]
    for file in result.files:
        for model in file.of_type(ModelDef):
            ops = ", ".join(f"{op.op}@{op.location.line}" for op in model.outputs) or "-"
            models.append((str(model.location), model.name, model.kind, ops))
    if len(models) > 1:
        lines.append("")
        lines.extend(_table(models[1:], models[0]))
    return "\n".join(lines)


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
