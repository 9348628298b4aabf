"""`--show-facts`: what hplint extracted, as tables or as `{"facts": [...]}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hplint import catalogue
from hplint.facts import Call, ModelDef, Operation, to_json
from hplint.report.terminal import printable

if TYPE_CHECKING:
    from hplint.facts import FileFacts
    from hplint.project import Project

# Framework objects whose arguments say how training runs.
_FRAMEWORK_CALLS = ("Trainer", "TrainingArguments", "EarlyStopping", "EarlyStoppingCallback", "ModelCheckpoint")


def facts_json(files: list[FileFacts], project: Project) -> dict[str, Any]:
    facts: list[Any] = [to_json(fact) for file in files for fact in file.facts]
    for name in catalogue.HYPERPARAMETER_KEYS:
        facts.extend(to_json(setting) for setting in project.settings(name))
    facts.extend(to_json(pair) for pair in project.model_losses())
    return {"facts": facts}


def facts_table(files: list[FileFacts], project: Project) -> str:
    sections = [
        _hyperparameters(project),
        _models(files),
        _section(
            "model outputs into losses", ("where", "model", "loss"),
            [(str(pair.loss.location), pair.model.name, pair.loss.loss.rpartition(".")[2]) for pair in project.model_losses()],
        ),
        _framework_calls(files, project),
        _operations(files),
        _section("configs loaded by the code", ("path",), [(path,) for path in sorted(project.loaded_configs)]),
    ]
    return "\n\n".join(section for section in sections if section)


def _hyperparameters(project: Project) -> str:
    """Each value where it is written, the chain it came through (an override ← a child ← its base), and its use."""
    found = []
    for name in catalogue.HYPERPARAMETER_KEYS:
        for setting in project.settings(name):
            origin = setting.value.origin
            found.append(((origin.path, origin.line, origin.column, name), (
                str(origin), name, repr(setting.value.value),
                " ← ".join(hop.description for hop in setting.value.chain) or "-",
                f"{setting.describe_use()}{' (eval)' if setting.role == 'eval' else ''}",
            )))
    rows = list(dict.fromkeys(row for _, row in sorted(found, key=lambda pair: pair[0])))  # :7 before :13; once per run alike
    return _section("hyperparameters", ("where", "hyperparameter", "value", "from", "used by"), rows)


def _models(files: list[FileFacts]) -> str:
    rows = []
    for file in files:
        for model in file.of_type(ModelDef):
            layers = sum(max(layer.count, 1) for layer in model.layers)
            forward = " → ".join(op.op for op in model.forward) or "-"
            outputs = ", ".join(f"{op.op}@{op.location.shown_line}" for op in model.outputs) or "-"
            rows.append((str(model.location), model.name, model.kind, str(layers), forward, outputs))
    return _section("models", ("where", "model", "kind", "layers", "forward", "returns"), rows)


def _framework_calls(files: list[FileFacts], project: Project) -> str:
    rows = []
    for file in files:
        for call in file.of_type(Call):
            short = call.api.rpartition(".")[2]
            if short not in _FRAMEWORK_CALLS:
                continue
            arguments = []
            for keyword, expr in call.keywords:
                value = project.resolve(expr, call.location.path)
                arguments.append(f"{keyword}={value.value!r}" if value is not None else f"{keyword}=?")
            rows.append((str(call.location), call.api, ", ".join(arguments) or "-"))
    return _section("framework calls", ("where", "call", "arguments"), rows)


def _operations(files: list[FileFacts]) -> str:
    rows = []
    for file in files:
        for op in file.of_type(Operation):
            context = " in ".join(reversed(op.loops)) or "-"
            rows.append((str(op.location), op.scope or "<module>", op.kind, op.subject, context, "yes" if op.no_grad else "-"))
    return _section("training operations", ("where", "function", "operation", "on", "inside loops", "no_grad"), rows)


def _section(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return ""
    rows = [tuple(printable(cell) for cell in row) for row in rows]  # a file name may hold a newline or an escape
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = [f"{title}:"]
    lines.extend("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows])
    return "\n".join(lines)
