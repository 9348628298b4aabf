"""`--show-runs`: the programs found in the project (SPEC §5b), as text or as `{"runs": [...]}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hplint.report.terminal import printable

if TYPE_CHECKING:
    from hplint.project import Project, Run


def runs_json(project: Project) -> dict[str, Any]:
    return {"runs": [_run_json(run) for run in project.runs], "outside_runs": _outside(project)}


def _run_json(run: Run) -> dict[str, Any]:
    spec = run.spec
    launch = spec.launch
    return {
        "name": run.name,
        "entry": spec.entry,
        "files": sorted(spec.files),
        "configs": sorted(spec.configs),
        "launch": None if launch is None else {
            "path": launch.location.path,
            "line": launch.location.line,
            "script": launch.script,
            "devices": launch.devices.value if launch.devices is not None else None,
            "arguments": [[argument.name, argument.value.value] for argument in launch.arguments],
        },
    }


def runs_text(project: Project) -> str:
    blocks = []
    for run in project.runs:
        data = _run_json(run)
        lines = [f"run {data['name']}"]
        if data["launch"] is not None:
            launch = data["launch"]
            arguments = " ".join(f"{name}={value}" if name else str(value) for name, value in launch["arguments"])
            devices = f", {launch['devices']} devices" if launch["devices"] is not None else ""
            lines.append(f"  launch:  {launch['path']}:{launch['line']} {launch['script']} {arguments}".rstrip() + devices)
        if data["files"]:
            lines.append(f"  files:   {', '.join(data['files'])}")
        if data["configs"]:
            lines.append(f"  configs: {', '.join(data['configs'])}")
        blocks.append("\n".join(printable(line) for line in lines))  # names may hold newlines or escapes
    outside = _outside(project)
    if outside:
        blocks.append(printable(f"in no run (judged on their own): {', '.join(outside)}"))
    return "\n\n".join(blocks) if blocks else "no runs found"


def _outside(project: Project) -> list[str]:
    used = {path for run in project.runs for path in run.spec.paths}
    return sorted(path for path, file in project.files.items() if path not in used and file.facts)
