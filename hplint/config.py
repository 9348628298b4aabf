"""`[tool.hplint]` in pyproject.toml, or hplint.toml, found from the first path upward."""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hplint.diagnostics import Severity

if TYPE_CHECKING:
    from hplint.checks import Rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

_KEYS = frozenset({"select", "ignore", "exclude", "fail-on", "per-file-ignores", "rules", "include-tests"})
# Test code is not a training run: its values are fixtures (SPEC §4). Skipped like a virtualenv unless asked for.
TEST_CODE = ("test_*.py", "*_test.py", "conftest.py", "tests/", "test/")


class ConfigError(Exception):
    """A configuration hplint cannot use; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class LintConfig:
    root: Path  # the project root: where the config file is, else where linting starts
    config_path: Path | None = None
    select: tuple[str, ...] | None = None  # None: every rule whose default is on
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    include_tests: bool = False

    def enabled_rules(self) -> list[type[Rule]]:
        from hplint.checks import all_rules  # the rules (and the project model) only when checking

        return [rule for rule in all_rules() if self.is_enabled(rule)]

    def is_enabled(self, rule: type[Rule]) -> bool:
        """The more specific of the matching select and ignore prefixes wins (as in ruff)."""
        selected = _longest_prefix(rule.code, self.select) if self.select is not None else (
            0 if rule.default_enabled else -1
        )
        ignored = _longest_prefix(rule.code, self.ignore)
        return selected >= 0 and selected > ignored

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
    """Length of the longest prefix in `prefixes` that `code` starts with; -1 when none."""
    return max((len(prefix) for prefix in prefixes if code.startswith(prefix)), default=-1)


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
    try:
        return tomllib.loads(data.decode("utf-8"))
    except RecursionError:
        raise ConfigError(f"{path}: cannot read the configuration: nested too deeply") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error}") from error


def load_config(
    paths: Sequence[Path],
    explicit: Path | None = None,
    cli_select: Sequence[str] | None = None,
    cli_ignore: Sequence[str] = (),
) -> LintConfig:
    """The configuration for a run: file settings, then the command line's on top."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        data = _read_toml(explicit)
        table = data.get("tool", {}).get("hplint", data) if "tool" in data else data
        found: tuple[Path, dict[str, Any]] | None = (explicit, table)
    else:
        first = paths[0] if paths else Path(".")
        found = find_config(first.resolve())
    if found is None:
        first = (paths[0] if paths else Path(".")).resolve()
        config = LintConfig(root=first if first.is_dir() else first.parent)
    else:
        config = _parse(found[0], found[1])
    select = _codes(list(cli_select), "--select") if cli_select is not None else config.select
    ignore = config.ignore + _codes(list(cli_ignore), "--ignore")
    # What discovery leaves out: `exclude`, and test code unless `include-tests = true`.
    exclude = config.exclude if config.include_tests else config.exclude + TEST_CODE
    return LintConfig(
        config.root, config.config_path, select, ignore, exclude, config.fail_on,
        config.per_file_ignores, config.rule_options, config.include_tests,
    )


def _parse(path: Path, table: Any) -> LintConfig:
    where = f"{path}: [tool.hplint]" if path.name == "pyproject.toml" else str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")
    select = _codes(table["select"], f"{where}: select") if "select" in table else None
    ignore = _codes(table.get("ignore", []), f"{where}: ignore")
    exclude = tuple(_strings(table.get("exclude", []), f"{where}: exclude"))
    fail_on_text = table.get("fail-on", "warning")
    try:
        fail_on = Severity.parse(fail_on_text)
    except (KeyError, AttributeError):
        raise ConfigError(f"{where}: fail-on must be one of error, warning, info, not {fail_on_text!r}") from None
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of pattern = [codes]")
    per_file_ignores = tuple(
        (pattern, _codes(codes, f"{where}: per-file-ignores '{pattern}'")) for pattern, codes in per_file.items()
    )
    include_tests = table.get("include-tests", False)
    if not isinstance(include_tests, bool):
        raise ConfigError(f"{where}: include-tests must be true or false, not {include_tests!r}")
    return LintConfig(
        path.parent, path, select, ignore, exclude, fail_on, per_file_ignores,
        _rule_options(table.get("rules", {}), where), include_tests,
    )


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
            if not any(known_code.startswith(code) for known_code in known):
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
