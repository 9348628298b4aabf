"""Hypothesis strategies for whole projects: Python, YAML, TOML, JSON and shell, as a repository may hold them.

Structure-aware: files are built from the shapes hplint reads (optimizer and loader calls, model
classes, argparse, config loads, launch lines, config keys) filled with every kind of literal,
document shape, nesting and size, plus what a hostile repository adds (odd names, deep
nesting, long chains, broken syntax, odd encodings, hostile .gitignore lines). Used by
tests/test_fuzz_projects.py (bounded) and benchmarks/fuzz.py (for minutes).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path

from hypothesis import strategies as st

# ---------------------------------------------------------------- values

_NUMBERS = st.one_of(
    st.integers(-3, 3), st.integers(-(10**20), 10**20), st.sampled_from([0, 1, 2, 8, 64, 4096, 2**31, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True, width=64), st.sampled_from([1e-3, 3e-4, 0.1, 5.0, 1e300, -0.0]),
)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_WORDS = st.sampled_from([
    "lr", "learning_rate", "base_lr", "batch_size", "per_device_train_batch_size", "epochs", "max_epochs",
    "weight_decay", "momentum", "dropout", "optimizer", "gradient_accumulation_steps", "devices", "warmup_steps",
    "train", "optim", "data", "model", "name", "type", "_base_", "defaults", "trainer", "num_workers", "seed",
])


def _python_literal(value: object) -> str:
    if not isinstance(value, float) or math.isfinite(value):
        return repr(value)
    return "float('nan')" if math.isnan(value) else ("float('inf')" if value > 0 else "-float('inf')")


PYTHON_LITERALS = st.one_of(
    _NUMBERS.map(_python_literal), _TEXT.map(repr), st.binary(max_size=6).map(repr),
    st.sampled_from([
        "None", "True", "...", "1j", "2 + 3j", "0x1F", "0o17", "0b101", "1_000", "9" * 400, "10 ** 400",
        "2 ** 64", "7 // 0", "f'{lr}'", "f'{lr:.3f}'", "'a' 'b'", "b'x' b'y'", "r'\\d'", "'\\x00\\u202e'",
        "(1, 2)", "[1, 'a', None]", "{'lr': 0.1}", "{1: 2}", "{1, 2}", "lambda x: x", "[i for i in range(3)]",
        "(lr := 0.1)", "-(1e-3)", "args.lr", "cfg['optim']['lr']", "cfg.train.batch_size", "os.environ['LR']",
        "not x", "a if b else c", "x[0]", "x.y.z",
    ]),
)


@st.composite
def python_expression(draw: st.DrawFn) -> str:
    """A literal, or a literal inside arithmetic, brackets, a long chain or deep nesting."""
    literal = draw(PYTHON_LITERALS)
    shape = draw(st.sampled_from(["plain", "arith", "brackets", "chain", "unary", "ternary", "strings"]))
    size = draw(st.one_of(st.integers(1, 8), st.integers(1, 1200)))
    if shape == "arith":
        return f" {draw(st.sampled_from(['+', '*', '-', '**', '/', '//']))} ".join([literal] * min(size, 800))
    if shape == "brackets":
        depth = min(size, 150)
        return "(" * depth + literal + ")" * depth
    if shape == "chain":
        return "x" + draw(st.sampled_from([".a", "()", "[0]"])) * min(size, 1200)
    if shape == "unary":
        return draw(st.sampled_from(["-", "~", "not ", "lambda: "])) * min(size, 1200) + literal
    if shape == "ternary":
        return f"{literal} if a else " * min(size, 1200) + literal
    if shape == "strings":
        return "(" + "\n".join(["'s'"] * size) + ")"
    return literal


_TORCH_CALLS = [
    "torch.optim.SGD(model.parameters(), lr={v})", "torch.optim.Adam(model.parameters(), lr={v}, weight_decay={v})",
    "optim.AdamW(params, lr={v}, betas=({v}, {v}))", "DataLoader(dataset, batch_size={v}, shuffle={v})",
    "nn.Linear({v}, {v})", "nn.Conv2d({v}, {v}, kernel_size={v})", "nn.Dropout(p={v})", "nn.LSTM({v}, {v}, dropout={v})",
    "nn.CrossEntropyLoss(label_smoothing={v})", "torch.optim.lr_scheduler.StepLR(optimizer, step_size={v})",
    "Trainer(max_epochs={v}, accumulate_grad_batches={v}, devices={v})",
    "TrainingArguments(learning_rate={v}, per_device_train_batch_size={v}, num_train_epochs={v})",
    "parser.add_argument('--lr', type=float, default={v})", "yaml.safe_load(open({v}))",
    "F.softmax({v}, dim={v})", "model.fit(x, y, validation_split={v})", "nn.Sequential(nn.Linear(4, 4), nn.Softmax({v}))",
]
_PYTHON_HEADERS = [
    "import torch\n", "from torch import nn, optim\n", "import torch.nn.functional as F\n",
    "from torch.utils.data import DataLoader\n", "import argparse\nparser = argparse.ArgumentParser()\n",
    "import yaml\n", "import lightning as L\nfrom lightning import Trainer\n",
    "from transformers import TrainingArguments\n", "import os\n",
]


@st.composite
def python_source(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.sampled_from(_PYTHON_HEADERS), min_size=1, max_size=4))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["assign", "call", "class", "loop", "main", "elif", "broken", "type"]))
        value = draw(python_expression())
        if kind == "assign":
            lines.append(f"{draw(_WORDS).upper()} = {value}\n")
        elif kind == "call":
            lines.append(f"x = {draw(st.sampled_from(_TORCH_CALLS)).replace('{v}', value)}\n")
        elif kind == "class":
            lines.append(
                f"class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                f"        self.fc = nn.Linear(4, {value})\n    def forward(self, x):\n        return F.softmax(self.fc(x), 1)\n"
            )
        elif kind == "loop":
            lines.append(f"for batch in loader:\n    loss = criterion(model(batch), {value})\n    loss.backward()\n    optimizer.step()\n")
        elif kind == "main":
            lines.append("if __name__ == '__main__':\n    main()\n")
        elif kind == "elif":
            count = draw(st.integers(1, 800))
            lines.append("if a:\n    pass\n" + "elif a:\n    pass\n" * count)
        elif kind == "type":
            lines.append("type Alias = list[int]\ndef f[T](x: T) -> T:\n    return x\n")
        else:
            lines.append(draw(st.sampled_from(["def f(:\n", "x = (\n", "\tif x\n", "'''\n", "\\\n", "@\n", "x = -\n"])))
    source = "".join(lines).encode("utf-8", "surrogatepass")
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "latin-1", "nul"]))
    if encoding == "nul":
        return source + b"\x00\x01"
    try:
        return source.decode("utf-8").encode(encoding)
    except (UnicodeError, LookupError):
        return source


# ---------------------------------------------------------------- configs

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | _NUMBERS | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_WORDS | _TEXT, children, max_size=5),
    max_leaves=25,
)


@st.composite
def json_source(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["document", "scalar", "deep", "deepspeed", "broken", "big-number"]))
    if shape == "scalar":
        return draw(st.sampled_from([b"5", b'"1.2.3"', b"null", b"", b"[]", b"NaN"]))
    if shape == "deep":
        depth = draw(st.integers(1, 6000))
        return b"[" * depth + b"]" * depth
    if shape == "deepspeed":
        return json.dumps({
            "train_batch_size": draw(_NUMBERS), "train_micro_batch_size_per_gpu": draw(_NUMBERS),
            "gradient_accumulation_steps": draw(_NUMBERS), "optimizer": {"type": "Adam", "params": {"lr": draw(_NUMBERS)}},
        }, allow_nan=True).encode()
    if shape == "broken":
        return draw(st.sampled_from([b'{"lr": ', b'{"a": 1,}', b"{'lr': 1}", b'{"lr": BATCH}', b"\xff\xfe{"]))
    if shape == "big-number":
        return b'{"lr": ' + b"9" * draw(st.integers(1, 6000)) + b"}"
    return json.dumps(draw(_JSON_VALUES), allow_nan=True).encode()


def _yaml_scalar(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


@st.composite
def yaml_source(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["mapping", "scalar", "documents", "anchors", "deep", "tags", "hydra", "broken"]))
    if shape == "scalar":
        return draw(st.sampled_from([b"5", b'"1.2.3"', b"null", b"", b"---\n...\n", b"kind: Service\n---\n", b"- 1\n- 2\n"]))
    if shape == "documents":
        return b"\n---\n".join(draw(st.lists(yaml_source(), min_size=1, max_size=3)))
    if shape == "anchors":
        count = draw(st.integers(1, 12))
        lines = ["a0: &a0 [lr, lr, lr]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, count)]
        return ("\n".join(lines) + "\nlr: *a0\n").encode()
    if shape == "deep":
        depth = draw(st.integers(1, 3000))
        return (b"a: " + b"[" * depth + b"]" * depth + b"\n") if draw(st.booleans()) else "".join(
            "  " * level + f"k{level}:\n" for level in range(min(depth, 400))
        ).encode() + b"  " * min(depth, 400) + b"lr: 0.1\n"
    if shape == "tags":
        return draw(st.sampled_from([
            b"lr: !!python/object:os.system echo\n", b"x: !!binary aGVsbG8=\n", b"!!set {a, b}\n", b"lr: !custom 1\n",
        ]))
    if shape == "hydra":
        return (f"defaults:\n  - model: {draw(_WORDS)}\n  - _self_\nlr: ${{optim.lr}}\noptim:\n  lr: {_yaml_scalar(draw(_NUMBERS))}\n"
                f"batch_size: ${{oc.env:BS,32}}\n").encode()
    if shape == "broken":
        return draw(st.sampled_from([b"a: [\n", b"a: b: c\n", b"\t- x\n", b"? [a\n", b"{{ lr }}\n", b"lr: {% if %}\n"]))
    items = draw(st.dictionaries(_WORDS, _NUMBERS | _TEXT | st.lists(_NUMBERS, max_size=3), max_size=8))
    body = "".join(f"{key}: {_yaml_scalar(value) if not isinstance(value, list) else value}\n" for key, value in items.items())
    nested = draw(st.sampled_from(["", "optim:\n  lr: 5.0\n  momentum: 0.9\n", "trainer:\n  max_epochs: 3\n  devices: -1\n"]))
    return (body + nested).encode("utf-8", "surrogatepass")


@st.composite
def toml_source(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["tables", "big-number", "deep", "dates", "broken", "tool"]))
    if shape == "big-number":
        return b"lr = " + b"9" * draw(st.integers(1, 6000)) + b"\n"
    if shape == "deep":
        depth = draw(st.integers(1, 6000))
        return b"a = " + b"[" * depth + b"]" * depth + b"\n"
    if shape == "dates":
        return b"x = 1979-05-27T07:32:00Z\nlr = 0.1\nbatch_size = 8\n"
    if shape == "broken":
        return draw(st.sampled_from([b"a = \n", b"[a\n", b"a = 1\na = 2\n", b"x = [1, 'a'\n"]))
    if shape == "tool":
        return draw(st.sampled_from([
            b"[tool.hplint]\nselect = ['HP1']\n", b"[tool.hplint]\nbogus = 1\n", b"[tool.hplint]\nexclude = ['[]', '**/**/x']\n",
            b"[tool.other]\nlr = 0.1\n",
        ]))
    items = draw(st.dictionaries(_WORDS, _NUMBERS.filter(math.isfinite), max_size=6))
    return ("[optim]\n" + "".join(f"{key} = {value!r}\n" for key, value in items.items())).encode()


# ---------------------------------------------------------------- launch scripts and names

_OPTIONS = ["--lr", "--batch_size", "optim.lr=", "+trainer.devices=", "--flag"]
_ARGUMENTS = ["0.1", "$LR", "${BS:-32}", '"3e-4"', "x", "'a b'"]


@st.composite
def shell_source(draw: st.DrawFn) -> bytes:
    lines = ["#!/bin/bash\n"]
    for _ in range(draw(st.integers(0, 5))):
        launcher = draw(st.sampled_from([
            "python train.py", "python -m pkg.train", "torchrun --nproc_per_node=4 train.py",
            "accelerate launch --num_processes 2 train.py", "deepspeed --num_gpus 2 train.py", "cd sub && python x.py",
            "LR=3e-5", "export BS=32",
        ]))
        arguments = " ".join(
            draw(st.sampled_from(_OPTIONS)) + draw(st.sampled_from([" ", "=", ""])) + draw(st.sampled_from(_ARGUMENTS))
            for _ in range(draw(st.integers(0, 4)))
        )
        tail = draw(st.sampled_from(["", " \\\n  --epochs 3", " > log.txt 2>&1", " &", " # comment", " 'unclosed"]))
        lines.append(f"{launcher} {arguments}{tail}\n")
    if draw(st.booleans()):
        lines.append("python train.py " + draw(st.sampled_from(["'w'x ", "word ", "a=b "])) * draw(st.integers(1, 30_000)) + "\n")
    return "".join(lines).encode()


_NAME = st.one_of(
    st.sampled_from(["train", "model", "data", "config", "utils", "main", "run", "base", "test_x", "__init__"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=10),
).filter(lambda name: name not in (".", ".."))
_FOLDER = st.sampled_from(["", "configs/", "configs/_base_/", "src/pkg/", "scripts/", "tests/", "conf/model/"])
_KINDS = {
    ".py": python_source(), ".yaml": yaml_source(), ".yml": yaml_source(), ".json": json_source(),
    ".toml": toml_source(), ".sh": shell_source(),
}
_GITIGNORE = st.lists(st.sampled_from([
    "*.pyc", "build/", "/data", "[]", "[z-a]", "**/" * 9 + "x", "*a*a*a*a*a*b", "!keep.py", "\\#x", "configs/**", "*",
    "!*/", "tests/",
]), max_size=5).map(lambda lines: "\n".join(lines).encode())


@st.composite
def projects(draw: st.DrawFn, min_files: int = 1, max_files: int = 8) -> dict[str, bytes]:
    """{relative path: content} for a project of min_files to max_files files (and maybe a .gitignore)."""
    files: dict[str, bytes] = {}
    for _ in range(draw(st.integers(min_files, max_files))):
        extension = draw(st.sampled_from(sorted(_KINDS)))
        path = f"{draw(_FOLDER)}{draw(_NAME)}{extension}"
        files[path] = draw(_KINDS[extension])
    if draw(st.integers(0, 4)) == 0:
        files[".gitignore"] = draw(_GITIGNORE)
    if draw(st.integers(0, 6)) == 0:
        files["Makefile"] = b"LR := 0.1\ntrain:\n\tpython train.py --lr $(LR)\n"
    return files


# ---------------------------------------------------------------- the property

def write(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        except OSError:  # a name that is a folder elsewhere in the project, or too long
            continue


def check_project(files: dict[str, bytes], jobs: int = 1) -> None:
    """Lint a generated project cold and warm; raise AssertionError on a crash or an internal error."""
    from hplint.config import ConfigError, load_config
    from hplint.lint import RunOptions, lint
    from hplint.report import REPORTERS

    folder = Path(tempfile.mkdtemp(prefix="hplint-fuzz-"))
    try:
        write(folder, files)
        try:
            config = load_config([folder])
        except ConfigError:
            return  # a [tool.hplint] table the fuzzer got wrong: a clear exit 2, which is right
        options = RunOptions(jobs=jobs, cache_folder=folder / ".hplint_cache", time_limit_per_file=60)
        cold = lint([folder], config, options)
        assert cold.failures == [], cold.failures
        warm = lint([folder], config, options)
        assert warm.failures == [], warm.failures
        assert (warm.diagnostics, warm.notes) == (cold.diagnostics, cold.notes)
        for render in REPORTERS.values():
            assert isinstance(render(cold, False), str)
        json.loads(REPORTERS["json"](cold, False))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
