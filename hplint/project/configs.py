"""Config files one at a time: their keys, whether they read as training configs, and what a key sets.

How files compose into the config a program reads (Hydra, `_base_`, LazyConfig) is compose.py's.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from hplint import catalogue
from hplint.facts import Binding, ConfigEntry, FileFacts, Scalar
from hplint.project.index import FactIndex

MAX_DEPTH = 32  # name chains longer than this are cycles or too clever to follow
_MIN_TRAINING_KEYS = 2  # distinct hyperparameters that make a config a training config
_INHERITANCE_KEYS = frozenset({"_BASE_", "_base_"})
_INTERPOLATION = re.compile(r"\$\{(\.*[A-Za-z_][\w.]*)\}")
_CONFIG_FOLDERS = frozenset({"configs", "config", "conf"})
_OTHER_TOOLS_FILES = frozenset({
    ".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml", "appveyor.yml",
    "cloudbuild.yaml", "codecov.yml", ".codecov.yml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml",
    "mkdocs.yml", "docker-compose.yml", "docker-compose.yaml", "compose.yaml", "environment.yml", "environment.yaml",
    ".readthedocs.yml", ".readthedocs.yaml", "package.json", "package-lock.json", "composer.json", "lerna.json",
    "renovate.json", ".babelrc", "chart.yaml", "pyproject.toml", "poetry.lock", "cargo.toml", "netlify.toml",
    "dependabot.yml", "citation.cff",
})
_OTHER_TOOLS_PREFIXES = ("tsconfig", "jsconfig", ".eslintrc", ".prettierrc", ".stylelintrc", "tslint")
# A tokenizer's files map tokens to ids: `"lr": 14050` is a word of the vocabulary.
_TOKENIZER_FILES = ("vocab", "tokenizer", "special_tokens_map", "added_tokens")
_OTHER_TOOLS_FOLDERS = frozenset({".github", ".circleci", ".gitlab", ".vscode", ".devcontainer", ".idea", "templates"})


class ConfigReader:
    def __init__(self, index: FactIndex) -> None:
        self._index = index
        self._entries: dict[tuple[str, int], dict[tuple[str, ...], ConfigEntry]] = {}

    def entries(self, path: str, document: int | None = None) -> dict[tuple[str, ...], ConfigEntry]:
        """The leaves of one YAML document of a config (by default its first), by key path."""
        document = self.documents(path)[0] if document is None else document
        key = (path, document)
        entries = self._entries.get(key)
        if entries is None:
            entries = {entry.keys: entry for entry in self._index.of_type(path, ConfigEntry) if entry.document == document}
            self._entries[key] = entries
        return entries

    def documents(self, path: str) -> list[int]:
        """The documents of a config that hold keys (a file of one document, or none, is [0])."""
        return sorted({entry.document for entry in self._index.of_type(path, ConfigEntry)}) or [0]

    def has_defaults(self, path: str) -> bool:
        """A Hydra config: it has a defaults list."""
        return any(is_hydra_defaults(keys) for keys in self.entries(path))

    def is_other_tools(self, path: str) -> bool:
        """A YAML/JSON/TOML file of another tool, not a training config, whatever words it holds: CI pipelines,
        Kubernetes manifests, Helm charts, editor and JavaScript tooling."""
        name = PurePosixPath(path).name.lower()
        folders = {part.lower() for part in PurePosixPath(path).parts[:-1]}
        if name in _OTHER_TOOLS_FILES or name.startswith(_OTHER_TOOLS_PREFIXES) or folders & _OTHER_TOOLS_FOLDERS:
            return True
        if any(word in name for word in _TOKENIZER_FILES):
            return True
        if self._index.find_file("Chart.yaml", path, python=False) is not None and "configs" not in folders:
            return True  # a Helm chart's values.yaml and what lies beside it
        top = {entry.keys[0] for entry in self._index.of_type(path, ConfigEntry)}
        return {"apiVersion", "kind"} <= top  # a Kubernetes manifest (ConfigMap, Job, ...)

    def sets_training_keys(self, path: str) -> bool:
        """A config that reads as training: it inherits (`_BASE_`, `_base_`) or sets two distinct hyperparameters."""
        entries = self._index.of_type(path, ConfigEntry)
        if any(entry.keys[0] in _INHERITANCE_KEYS for entry in entries):
            return True  # a yacs/MMEngine child config: its base holds the rest
        names = {config_hyperparameter(entry) for entry in entries}
        names.discard(None)
        return len(names) >= _MIN_TRAINING_KEYS


def config_hyperparameter(entry: ConfigEntry) -> str | None:
    return key_hyperparameter(entry.keys, entry.value.value)


def key_hyperparameter(keys: tuple[str, ...], value: Scalar) -> str | None:
    """The hyperparameter a config key sets with this value, or None."""
    if not keys or keys[-1].isdigit():
        return None
    hyperparameter = catalogue.hyperparameter_for_key(keys[-1])
    if hyperparameter is None or hyperparameter == "optimizer":
        return hyperparameter
    # Numeric hyperparameters only count when they hold a number, a number-like string or a reference.
    if isinstance(config_number(value), (int, float)) or isinstance(value, str) and _INTERPOLATION.fullmatch(value):
        return hyperparameter
    return None


def config_number(value: Scalar) -> Scalar:
    """YAML 1.1 reads `1e-3` as a string; under a hyperparameter key it is a number."""
    if isinstance(value, str):
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            return value
        return int(number) if number.is_integer() and "e" not in value.lower() and "." not in value else number
    return value


def is_hydra_defaults(keys: tuple[str, ...]) -> bool:
    return len(keys) > 1 and keys[0] == "defaults" and keys[1].isdigit()


def is_python_config(file: FileFacts) -> bool:
    """A Python file that is a config: it inherits with `_base_`, or lives in a configs folder."""
    folders = {part.lower() for part in PurePosixPath(file.path).parts[:-1]}
    return bool(folders & _CONFIG_FOLDERS) or any(binding.name == "_base_" for binding in file.of_type(Binding))
