"""What the probe trains and how its checks read it, run in this process on tiny CPU models.

The child process's parts (the recipe a factory's return becomes, the workbench, the checks)
are called directly, without the child: quick enough to cover every shape a factory may return
(a model, a bundle, a LightningModule, a Hugging Face model), and the defects of issue 15.
The end-to-end runs through `hplint probe` are in test_probe.py.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

import pytest

from hplint.checks import rule_by_code
from hplint.probe.spec import RUN_ORDER, CheckResult, ProbeSpec, dumps
from hplint.probe.threads import thread_count

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from hplint.probe.checks import CHECKS  # noqa: E402
from hplint.probe.recipe import RecipeError, make_recipe  # noqa: E402
from hplint.probe.workbench import Workbench, disable_dropout, dropout_layers  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    """One torch thread, as the child sets for tiny models, and the test run's own count back afterwards."""
    monkeypatch.setattr("hplint.probe.workbench.thread_count", lambda *arguments: None)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _options() -> dict[str, dict[str, Any]]:
    return {code: dict(rule_by_code(code).options) for code in RUN_ORDER}


def bench_of(factory, data=None, data_name="", seconds=60.0, **spec: Any) -> Workbench:
    fields: dict[str, Any] = {"seed": 0, "checks": RUN_ORDER, **spec}
    probe_spec = ProbeSpec(cwd=".", device="cpu", deadline=time.time() + seconds, options=_options(), **fields)
    torch.manual_seed(0)
    recipe = make_recipe(factory, factory(), data, data_name, probe_spec.loss, probe_spec.loss_api)
    bench = Workbench(probe_spec, recipe, torch.device("cpu"))
    bench.setup()
    return bench


def run_check(bench: Workbench, code: str, **options: Any) -> CheckResult:
    return CHECKS[code](bench, {**_options()[code], **options})


def clusters(count: int = 512, features: int = 20, classes: int = 4, seed: int = 0) -> TensorDataset:
    """Inputs around one centre per class: data with something to learn."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(classes, features, generator=generator) * 1.5
    labels = torch.randint(0, classes, (count,), generator=generator)
    return TensorDataset(centres[labels] + torch.randn(count, features, generator=generator), labels)


def mlp(depth: int = 2, width: int = 32, activation=nn.ReLU, inputs: int = 20, classes: int = 4) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(inputs, width), activation()]
    for _ in range(depth - 2):
        layers += [nn.Linear(width, width), activation()]
    return nn.Sequential(*layers, nn.Linear(width, classes))


# ---------------------------------------------------------------- what a factory may return


def test_a_bundle_dict_brings_its_optimizer_loss_and_data():
    def make():
        model = mlp()
        return {
            "model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
            "loss": nn.CrossEntropyLoss(), "data": DataLoader(clusters(), batch_size=64, shuffle=True),
        }

    bench = bench_of(make)
    assert bench.recipe.kind == "bundle" and bench.recipe.step_name == "CrossEntropyLoss(model(x), y)"
    assert (bench.lr.value, bench.lr.source) == (0.05, "the bundle's optimizer")
    assert (bench.batch_size.value, bench.batch_size.source) == (64, "the bundle's DataLoader")
    assert bench.run_optimizer.describe() == "SGD(momentum=0.9)"
    result = run_check(bench, "HP904", steps=40)
    assert result.status == "pass", result.message
    assert result.details["optimizer_source"] == "the bundle's optimizer" and result.details["data"] == "the bundle's DataLoader"
    low, high = result.details["suggested_range"]
    assert low < high and result.details["batch_size"] == 64


def test_a_bundle_dataclass_with_an_optimizer_function_a_step_and_a_dataset():
    @dataclass
    class Run:
        model: nn.Module
        optimizer: Any
        step: Any
        data: Any
        batch_size: int

    def step(model, batch):
        inputs, targets = batch
        return {"loss": nn.functional.cross_entropy(model(inputs), targets)}

    def make():
        return Run(mlp(), lambda parameters: torch.optim.AdamW(parameters, lr=3e-4), step, clusters(), 16)

    bench = bench_of(make)
    assert bench.recipe.step_name == "the bundle's step"
    assert (bench.lr.value, bench.batch_size.value) == (3e-4, 16)
    assert bench.run_optimizer.name == "AdamW"
    assert run_check(bench, "HP903").status == "pass"
    init = run_check(bench, "HP901")
    assert init.status == "skip" and "the chance level of this training step's loss" in init.message


def test_a_model_and_optimizer_pair_is_a_bundle():
    def make():
        model = mlp()
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)

    bench = bench_of(make, data=DataLoader(clusters(), batch_size=32), data_name="--data data.py:loader (DataLoader)")
    assert bench.recipe.kind == "bundle" and bench.lr.value == 1e-3
    assert run_check(bench, "HP901").status == "pass"


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ({"model": "not a model"}, "the bundle's 'model' must be an nn.Module, found str"),
        ({"model": None, "net": 1}, "the bundle has 'net'; its keys are model, optimizer, loss, data, step, lr, batch_size"),
        (42, "the factory returned int; return an nn.Module, or a bundle"),
    ],
)
def test_bundles_that_cannot_be_trained_say_why(returned, message):
    with pytest.raises(RecipeError, match=None) as raised:
        make_recipe(lambda: returned, returned, None, "", None, None)
    assert str(raised.value).startswith(message)


class LitClassifier(nn.Module):
    """Shaped like a LightningModule: its own step, optimizer and data (lightning is not installed here)."""

    def __init__(self):
        super().__init__()
        self.net = mlp()
        self.logged: list[str] = []

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = nn.functional.cross_entropy(self(inputs), targets)
        self.logged.append("train_loss")  # self.log(...) in Lightning
        return {"loss": loss}

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.02, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.1)  # a warm-up's first factor
        return [optimizer], [scheduler]

    def train_dataloader(self):
        return DataLoader(clusters(), batch_size=32, shuffle=True)


class FakeDataModule:
    """Shaped like a LightningDataModule: prepare_data, setup, train_dataloader."""

    def __init__(self):
        self.stages: list[str] = []

    def prepare_data(self):
        self.stages.append("prepare")

    def setup(self, stage):
        self.stages.append(stage)

    def train_dataloader(self):
        return DataLoader(clusters(seed=1), batch_size=8)


def test_a_lightning_module_is_probed_through_its_own_step_optimizer_and_data():
    bench = bench_of(LitClassifier)
    assert bench.recipe.kind == "lightning" and bench.recipe.step_name == "LitClassifier.training_step"
    assert bench.recipe.data_name == "LitClassifier.train_dataloader()"
    # The lr is the optimizer's own, not the 0.002 the scheduler set for its first epoch.
    assert (bench.lr.value, bench.lr.source) == (0.02, "configure_optimizers()")
    assert bench.run_optimizer.describe() == "SGD(momentum=0.9)" and bench.batch_size.value == 32
    assert run_check(bench, "HP903").status == "pass"
    assert run_check(bench, "HP901", ).status == "skip"  # a training step's loss of unknown kind


def test_a_lightning_data_module_from_data_is_set_up_and_read():
    module = FakeDataModule()
    bench = bench_of(LitClassifier, data=module, data_name="--data lit.py:make_data (FakeDataModule)", outputs=4)
    assert module.stages == ["prepare", "fit"]
    assert bench.batch_size.value == 8 and bench.recipe.data_name.startswith("--data lit.py:make_data")
    assert run_check(bench, "HP901").status == "pass"  # --num-classes 4: a cross-entropy over 4 classes


@dataclass
class FakeOutput:
    loss: Any
    logits: Any


class FakeSequenceClassifier(nn.Module):
    """Shaped like a Hugging Face model: keyword inputs, an output object with .loss and .logits."""

    def __init__(self, vocabulary: int = 50, classes: int = 3):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, 16)
        self.head = nn.Linear(16, classes)

    def forward(self, input_ids, attention_mask=None, labels=None):
        logits = self.head(self.embed(input_ids).mean(dim=1))
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return FakeOutput(loss, logits)


def test_a_hugging_face_model_is_probed_through_outputs_loss():
    generator = torch.Generator().manual_seed(0)
    batches = [
        {"input_ids": torch.randint(0, 50, (8, 12), generator=generator),
         "attention_mask": torch.ones(8, 12, dtype=torch.long), "labels": torch.randint(0, 3, (8,), generator=generator)}
        for _ in range(6)
    ]
    bench = bench_of(lambda: {"model": FakeSequenceClassifier(), "data": batches})
    assert bench.recipe.step_name == "model(**batch).loss" and bench.batch_size.value == 8
    init = run_check(bench, "HP901")
    assert init.status == "pass" and init.expected.startswith("ln 3 = 1.1")  # read from the logits' width
    assert run_check(bench, "HP903").status == "pass"


def test_token_ids_for_a_model_that_starts_with_an_embedding():
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(100, 16)
            self.rnn = nn.LSTM(16, 32, batch_first=True)
            self.head = nn.Linear(32, 5)

        def forward(self, tokens):
            _, (hidden, _) = self.rnn(self.embed(tokens))
            return self.head(hidden[-1])

    bench = bench_of(Tagger, input_shape=(12,))
    assert bench.classes == 5  # no --num-classes: the output's width
    assert bench.batch("init")[0].dtype == torch.int64
    assert run_check(bench, "HP901").status == "pass"


# ---------------------------------------------------------------- the defects of issue 15


class DroppyLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(20, 32, num_layers=2, dropout=0.5, batch_first=True)
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        output, _ = self.rnn(x)
        return self.head(output[:, -1])


def test_dropout_inside_an_lstm_is_turned_off_for_the_overfit_check():
    model = DroppyLSTM()
    assert dropout_layers(model) == ["rnn.dropout"]
    disable_dropout(model)
    assert model.rnn.dropout == 0.0
    bench = bench_of(DroppyLSTM, input_shape=(4, 20), checks=("HP902",))
    overfit = bench.batch("overfit")
    with torch.no_grad():
        assert bench.loss(model, overfit) == bench.loss(model, overfit)  # deterministic in training mode
    result = run_check(bench, "HP902")
    assert result.status == "pass", result.message


def test_a_clean_20_layer_relu_mlp_can_overfit():
    for seed in range(2):
        bench = bench_of(lambda: mlp(depth=20, width=64, inputs=48), input_shape=(48,), seed=seed)
        result = run_check(bench, "HP902")
        assert result.status == "pass", (seed, result.message)


def test_a_deep_sigmoid_mlp_has_a_vanishing_gradient_and_a_deep_relu_one_does_not():
    sigmoid = run_check(bench_of(lambda: mlp(depth=20, width=64, activation=nn.Sigmoid), input_shape=(20,)), "HP903")
    assert sigmoid.status == "fail"
    assert sigmoid.details["first"] == "0" and sigmoid.details["last"] == "38" and sigmoid.details["layers"] == 20
    assert sigmoid.details["ratio"] < 1e-10 and sigmoid.details["per_layer"] < 0.25
    assert "the gradient vanishes on its way back: the first weighted layer (0) gets" in sigmoid.message
    relu = run_check(bench_of(lambda: mlp(depth=20, width=64), input_shape=(20,)), "HP903")
    assert relu.status == "pass" and 1e-10 < relu.details["ratio"] < 1e-4  # small, but ReLU loses ~2× per layer
    assert relu.measured.startswith("40/40 tensors healthy; first/last layer gradient ")


def test_json_has_no_nan():
    result = CheckResult("HP901", "fail", "loss nan", "ln 4", details={"loss": math.nan, "curve": [math.inf, 1.0]})
    text = dumps({"check": result.to_json()})
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON")) == {
        "check": {**result.to_json(), "details": {"loss": None, "curve": [None, 1.0]}},
    }


def test_torch_threads_suit_the_model_and_the_machine():
    assert thread_count(50_000, cores=8, busy=0.0, environment={}) == 1  # small models: threads only wait
    assert thread_count(11_000_000, cores=2, busy=0.1, environment={}) == 2
    assert thread_count(11_000_000, cores=2, busy=1.2, environment={}) == 1  # a core is busy elsewhere
    assert thread_count(11_000_000, cores=16, busy=4.0, environment={}) == 12
    assert thread_count(11_000_000, cores=16, busy=40.0, environment={}) == 1
    assert thread_count(11_000_000, cores=16, busy=0.0, environment={"OMP_NUM_THREADS": "3"}) is None
