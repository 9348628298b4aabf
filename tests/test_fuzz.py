"""Property-based fuzzing of the extractors: any text in, facts or a ParseError out (or NotAnalysed, for
valid code LibCST cannot parse), never another exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hplint.extract import NotAnalysed
from hplint.extract.configs import extract_config
from hplint.extract.python import extract_python as extract_python_or_raise
from hplint.facts import FileFacts, from_json, to_json

def extract_python(path: str, source: bytes) -> list:
    try:
        return extract_python_or_raise(path, source)
    except NotAnalysed:  # said so on stderr by a run; no facts
        return []


PYTHON_PIECES = st.sampled_from([
    "import torch\n", "from torch import nn\n", "import torch.nn.functional as F\n", "x = 1\n",
    "class Net(nn.Module):\n", "    def forward(self, x):\n", "        return F.softmax(x, 1)\n",
    "model = Net()\n", "loss = nn.CrossEntropyLoss()(model(x), y)\n", "if a:\n", "    lr = 0.1\n",
    "opt = torch.optim.SGD(p, lr=lr)\n", "for i in range(3):\n", "    pass\n", "(", ")", "lambda: 0\n",
    "DataLoader(ds, batch_size=2 ** 70)\n", "x = -\n", "\t", "'''", "\\\n", "@dec\n", "async def f():\n",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PYTHON_PIECES, max_size=25))
def test_python_extractor_never_raises(pieces):
    facts = extract_python("fuzz.py", "".join(pieces).encode())
    round_trip = from_json(json.loads(json.dumps(to_json(FileFacts("fuzz.py", "python", tuple(facts), ())))))
    assert round_trip.facts == tuple(facts)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_python_extractor_on_random_bytes(data):
    extract_python("fuzz.py", data)


YAML_PIECES = st.sampled_from([
    "a:\n", "  lr: 1e-3\n", "  - x\n", "&a [1, 2]\n", "b: *a\n", "c: !!python/object:os.system x\n",
    "---\n", "batch_size: 0x40\n", "{", "}", "[", "]", ": ", "'", '"', "\t", "? k\n", "%YAML 1.1\n",
    "d: ${a.b}\n", "e: .inf\n", "f: 1_000\n", "g: 0o17\n",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(YAML_PIECES, max_size=20), st.sampled_from(["yaml", "toml", "json"]))
def test_config_extractor_never_raises(pieces, language):
    extract_config("configs/fuzz", language, "".join(pieces))


@settings(max_examples=100, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
))
def test_json_positions_cover_every_leaf(data):
    text = json.dumps(data, indent=2)
    for fact in extract_config("c.json", "json", text):
        assert fact.value.location.line >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PYTHON_PIECES, max_size=25))
def test_cache_encoding_round_trips(pieces):
    from hplint.facts import dumps_file, loads_file

    file = FileFacts("pkg/fuzz.py", "python", tuple(extract_python("pkg/fuzz.py", "".join(pieces).encode())), ())
    assert loads_file(dumps_file(file), "pkg/fuzz.py") == file
