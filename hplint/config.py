"""`[tool.hplint]` in pyproject.toml, or hplint.toml, found from the first path upward."""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint.diagnostics import Severity

if TYPE_CHECKING:
    from hplint.checks import Rule


_KEYS = frozenset({
    "select", "extend-select", "ignore", "extend-ignore", "exclude", "extend-exclude", "fail-on",
    "per-file-ignores", "extend-per-file-ignores", "rules", "include-tests",
})
ALL = "ALL"  # selects every rule, those off by default too (as ruff's ALL)
# Test code is not a training run: its values are fixtures (SPEC §4). Skipped like a virtualenv unless asked for.
TEST_CODE = ("test_*.py", "*_test.py", "conftest.py", "tests/", "test/")


class ConfigError(Exception):
    """A configuration hplint cannot use; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Selection:
    """One source's choice of rules: the config file's, then the command line's (as ruff resolves them).

    `select` starts afresh (None: keep what the source before chose); `extend_select` adds;
    `ignore` removes. Within one source the more specific prefix wins.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def decides(self, code: str, enabled_before: bool) -> bool:
        if self.select is not None:
            selected = _longest_prefix(code, self.select + self.extend_select)
        else:
            selected = max(_longest_prefix(code, self.extend_select), 0 if enabled_before else -1)
        return selected >= 0 and selected > _longest_prefix(code, self.ignore)


@dataclass(frozen=True)
class CommandLine:
    """What the command line sets on top of the config file."""

    selection: Selection = Selection()
    exclude: tuple[str, ...] | None = None  # None: the config's
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] | None = None  # None: the config's
    extend_per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class LintConfig:
    root: Path  # the project root: where the config file is, else where linting starts
    config_path: Path | None = None
    selections: tuple[Selection, ...] = ()  # the config file's, then the command line's
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    include_tests: bool = False

    def enabled_rules(self) -> list[type[Rule]]:
        from hplint.checks import all_rules  # the rules (and the project model) only when checking

        return [rule for rule in all_rules() if self.is_enabled(rule)]

    def is_enabled(self, rule: type[Rule]) -> bool:
        """Each source in turn decides from what the one before left (as in ruff): the command line wins."""
        enabled = rule.default_enabled
        for selection in self.selections:
            enabled = selection.decides(rule.code, enabled)
        return enabled

    def options_for(self, rule: type[Rule]) -> Mapping[str, Any]:
        return {**rule.options, **self.rule_options.get(rule.code, {})}

    def ignored_for_path(self, relative_path: str, code: str) -> bool:
        name = relative_path.rsplit("/", 1)[-1]
        for pattern, codes in self.per_file_ignores:
            matches = fnmatch.fnmatch(relative_path, pattern) or (
                "/" not in pattern and fnmatch.fnmatch(name, pattern)
            ) or fnmatch.fnmatch(relative_path, pattern.rstrip("/") + "/*")
            if matches and _longest_prefix(code, codes) >= 0:
                return True
        return False


def _longest_prefix(code: str, prefixes: Iterable[str]) -> int:
    """Length of the longest prefix in `prefixes` that `code` starts with (ALL: 0); -1 when none."""
    return max(
        (0 if prefix == ALL else len(prefix) for prefix in prefixes if prefix == ALL or code.startswith(prefix)),
        default=-1,
    )


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest hplint.toml, or pyproject.toml with a [tool.hplint] table, at or above start."""
    directory = start if start.is_dir() else start.parent
    for folder in [directory, *directory.parents]:
        candidate = folder / "hplint.toml"
        if candidate.is_file():
            data = _read_toml(candidate)
            return candidate, data.get("tool", {}).get("hplint", data) if "tool" in data else data
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            data = _read_toml(candidate)
            section = data.get("tool", {}).get("hplint")
            if section is not None:
                return candidate, section
    return None


_MAX_CONFIG_FILE = 1 << 20


def _read_toml(path: Path) -> dict[str, Any]:
    from hplint.extract import TooLarge, read_regular_file

    data = read_regular_file(path, _MAX_CONFIG_FILE)  # a repository's pyproject.toml may be anything
    if isinstance(data, TooLarge):
        raise ConfigError(f"{path}: cannot read the configuration: larger than {_MAX_CONFIG_FILE >> 20} MiB")
    if isinstance(data, str):
        raise ConfigError(f"{path}: cannot read the configuration: {data}")
    if sys.version_info >= (3, 11):  # imported when a configuration is read: most runs of a few files have none
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        return tomllib.loads(data.decode("utf-8"))
    except RecursionError:
        raise ConfigError(f"{path}: cannot read the configuration: nested too deeply") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error}") from error


def load_config(
    paths: Sequence[Path], explicit: Path | None = None, command_line: CommandLine = CommandLine(),
) -> LintConfig:
    """The configuration for a run: file settings, then the command line's on top."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        found: tuple[Path, dict[str, Any]] | None = (explicit, _table_of(explicit, _read_toml(explicit)))
    else:
        first = paths[0] if paths else Path(".")
        found = find_config(first.resolve())
    if found is None:
        first = (paths[0] if paths else Path(".")).resolve()
        config = LintConfig(root=first if first.is_dir() else first.parent)
    else:
        config = _parse(found[0], found[1])
    selection = command_line.selection
    selection = Selection(
        _codes(list(selection.select), "--select") if selection.select is not None else None,
        _codes(list(selection.extend_select), "--extend-select"),
        _codes(list(selection.ignore), "--ignore"),
    )
    exclude = (config.exclude if command_line.exclude is None else command_line.exclude) + command_line.extend_exclude
    # What discovery leaves out: `exclude`, and test code unless `include-tests = true`.
    if not config.include_tests:
        exclude += TEST_CODE
    per_file = config.per_file_ignores if command_line.per_file_ignores is None else tuple(
        (pattern, _codes(list(codes), f"--per-file-ignores '{pattern}'")) for pattern, codes in command_line.per_file_ignores
    )
    per_file += tuple(
        (pattern, _codes(list(codes), f"--extend-per-file-ignores '{pattern}'"))
        for pattern, codes in command_line.extend_per_file_ignores
    )
    return replace(config, selections=(*config.selections, selection), exclude=exclude, per_file_ignores=per_file)


def _table_of(path: Path, data: dict[str, Any]) -> Any:
    """The hplint settings of a file named with --config: a pyproject.toml without [tool.hplint] has none."""
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        return tool.get("hplint", {}) if isinstance(tool, dict) else tool
    return data.get("tool", {}).get("hplint", data) if "tool" in data else data


def _parse(path: Path, table: Any) -> LintConfig:
    where = f"{path}: [tool.hplint]" if path.name == "pyproject.toml" else str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")
    selection = Selection(
        _codes(table["select"], f"{where}: select") if "select" in table else None,
        _codes(table.get("extend-select", []), f"{where}: extend-select"),
        _codes(table.get("ignore", []), f"{where}: ignore") + _codes(table.get("extend-ignore", []), f"{where}: extend-ignore"),
    )
    exclude = tuple(_strings(table.get("exclude", []), f"{where}: exclude")) + tuple(
        _strings(table.get("extend-exclude", []), f"{where}: extend-exclude")
    )
    fail_on_text = table.get("fail-on", "warning")
    try:
        fail_on = Severity.parse(fail_on_text)
    except (KeyError, AttributeError):
        raise ConfigError(f"{where}: fail-on must be one of error, warning, info, not {fail_on_text!r}") from None
    per_file_ignores = _per_file_ignores(table, "per-file-ignores", where) + _per_file_ignores(
        table, "extend-per-file-ignores", where
    )
    include_tests = table.get("include-tests", False)
    if not isinstance(include_tests, bool):
        raise ConfigError(f"{where}: include-tests must be true or false, not {include_tests!r}")
    return LintConfig(
        path.parent, path, (selection,), exclude, fail_on, per_file_ignores,
        _rule_options(table.get("rules", {}), where), include_tests,
    )


def _per_file_ignores(table: dict[str, Any], key: str, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    per_file = table.get(key, {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where}: {key} must be a table of pattern = [codes]")
    return tuple((pattern, _codes(codes, f"{where}: {key} '{pattern}'")) for pattern, codes in per_file.items())


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings")
    return value


def _codes(value: Any, where: str) -> tuple[str, ...]:
    items = _strings(value, where)
    if not items:
        return ()
    from hplint.checks import all_rules

    codes = []
    known = [rule.code for rule in all_rules()]
    for item in items:
        for code in (part.strip().upper() for part in item.split(",")):
            if not code:
                continue
            if code != ALL and not any(known_code.startswith(code) for known_code in known):
                raise ConfigError(f"{where}: unknown rule code '{code}'")
            codes.append(code)
    return tuple(codes)


def _rule_options(table: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: rules must be a table of [rules.HPnnn] tables")
    from hplint.checks import all_rules

    by_code = {rule.code: rule for rule in all_rules()}
    options: dict[str, dict[str, Any]] = {}
    for code, values in table.items():
        rule = by_code.get(code.upper())
        if rule is None:
            raise ConfigError(f"{where}: unknown rule code '{code}' in rules")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: rules.{code} must be a table of options")
        for name, value in values.items():
            if name not in rule.options:
                known = ", ".join(rule.options) or "none"
                raise ConfigError(f"{where}: unknown option '{name}' for {rule.code} (options: {known})")
            _check_type(value, rule.options[name], f"{where}: rules.{rule.code}.{name}")
        options[rule.code] = dict(values)
    return options


def _check_type(value: Any, default: Any, where: str) -> None:
    expected = type(default)
    if isinstance(value, bool) != isinstance(default, bool):
        raise ConfigError(f"{where} must be a {expected.__name__}, not {value!r}")
    if expected is float and isinstance(value, int):
        return
    if not isinstance(value, expected):
        raise ConfigError(f"{where} must be a {expected.__name__}, not {value!r}")
    if isinstance(value, (int, float)) and value < 0:
        raise ConfigError(f"{where} must not be negative, not {value!r}")
