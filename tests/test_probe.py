"""`hplint probe`: the checks on tiny CPU models, the child process's timeout and crash handling, the outputs.

The arithmetic (LR range test, batch search) and the target parsing are tested without torch;
the end-to-end tests run the real CLI, which starts the real child process.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import run_hplint, write_project
from hplint.probe import batch_search, lr_range
from hplint.probe.target import TargetError, factory_line, module_file, parse_target

ROOT = Path(__file__).resolve().parent.parent

MODELS = '''
import os
import time

import torch
from torch import nn


def healthy():
    return nn.Sequential(nn.Flatten(), nn.Linear(48, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 4))


def softmax_output():
    return nn.Sequential(nn.Flatten(), nn.Linear(48, 64), nn.ReLU(), nn.Linear(64, 4), nn.Softmax(dim=1))


def hot_init():
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 64), nn.ReLU(), nn.Linear(64, 4))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(10)
    return model


class UnusedBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(48, 32), nn.ReLU())
        self.head = nn.Linear(32, 4)
        self.aux = nn.Linear(32, 4)

    def forward(self, x):
        return self.head(self.body(x))


class SignedSqrt(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(48, 32)
        self.out = nn.Linear(32, 4)

    def forward(self, x):
        h = self.hidden(x.flatten(1))
        return self.out(torch.where(h > 0, h.sqrt(), h))


def broken():
    raise FileNotFoundError("no checkpoint at weights/best.pt")


class Sleeper(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(48, 4)
        # A helper process like a DataLoader worker: the timeout must take it down too.
        helper = __import__("subprocess").Popen(["sleep", "600"])
        with open("helpers.txt", "a") as pids:
            pids.write(f"{helper.pid}\\n")

    def forward(self, x):
        if torch.is_grad_enabled():
            time.sleep(3600)
        return self.fc(x.flatten(1))


class Killed(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(48, 4)

    def forward(self, x):
        if torch.is_grad_enabled():
            os.kill(os.getpid(), 9)
        return self.fc(x.flatten(1))
'''

SHAPE = ["--input-shape", "3,4,4", "--num-classes", "4"]


# ---------------------------------------------------------------- the LR range test's arithmetic


def test_sweep_is_log_spaced_from_start_to_end():
    lrs = lr_range.sweep_lrs(50, 1e-5, 10.0)
    assert lrs[0] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(10.0) and len(lrs) == 50
    ratios = {round(after / before, 9) for before, after in zip(lrs, lrs[1:])}
    assert len(ratios) == 1


def test_each_optimizer_sweeps_its_own_span():
    assert lr_range.span("SGD") == (1e-4, 10.0)
    assert lr_range.span("AdamW") == (1e-5, 1.0)
    assert lr_range.span("Adadelta") == (1e-2, 1e2)  # its default lr is 1.0
    assert lr_range.span("Lion") == (1e-5, 10.0)
    assert lr_range.span("SGD", configured=20.0) == (1e-4, 200.0)  # a decade past the configured lr
    assert lr_range.span("AdamW", configured=2e-7) == (2e-8, 1.0)


def test_sweeps_are_planned_from_the_time_a_step_takes():
    # 20 s at 0.1 s a step: 200 steps, less the second and third sweeps' warm-up, over 3 sweeps.
    assert lr_range.planned_steps(100, 0.1, 20.0, 3) == 65
    assert lr_range.planned_steps(100, 0.01, 20.0, 3) == 100  # never more than asked
    assert lr_range.planned_steps(100, 1.0, 20.0, 3) == 0  # fewer than MIN_STEPS: do not start a sweep
    assert lr_range.seconds_needed(1.0, 3) == 3 * lr_range.MIN_STEPS + 2 * lr_range.WARMUP_STEPS


def test_the_sweep_stops_when_the_loss_blows_up_or_comes_back():
    stopper = lr_range.Stopper()
    assert not any(stopper.diverged(2.3) for _ in range(10))
    assert stopper.diverged(math.nan)
    blown = lr_range.Stopper()
    assert not any(blown.diverged(value) for value in [2.3] * 6 + [1.0] * 20)
    assert any(blown.diverged(value) for value in [10.0] * 10)  # 4x the lowest smoothed loss
    back = lr_range.Stopper()
    assert not any(back.diverged(value) for value in [2.3] * 6 + [1.5] * 20)
    assert any(back.diverged(value) for value in [2.6] * 30)  # above where it started, after a real descent


def _valley(steps: int = 60, start: float = 1e-6, end: float = 1.0, noise: list[float] | None = None):
    """Flat at 2.3 up to 1e-4, falling to 0.8 by 1e-2, rising past the start by 1e-1."""
    lrs = lr_range.sweep_lrs(steps, start, end)
    losses = []
    for index, lr in enumerate(lrs):
        decade = math.log10(lr)
        loss = 2.3 - 1.5 / (1 + math.exp(-4 * (decade + 3))) + (5 * (decade + 2) ** 2 if decade > -2 else 0)
        losses.append(loss + (noise[index] if noise else 0.0))
    return lrs, losses


def test_a_curve_is_read_from_where_the_loss_falls_below_its_start_to_where_it_climbs_back():
    lrs, losses = _valley()
    reading = lr_range.read_sweep(lrs, losses, "end")
    assert reading.range is not None, reading.reason
    low, high = reading.range
    assert 1e-5 < low < 1e-3  # the descent starts around 1e-4
    assert 5e-3 < reading.lowest < 3e-2  # the lowest loss is near 1e-2
    assert 2e-2 < high < 6e-2  # back at 2.3 where 5 (log10 lr + 2)² = 1.5: lr 3.5e-2
    assert low <= reading.steepest <= reading.lowest
    assert not reading.open_low and not reading.open_high


def test_a_curve_that_falls_from_the_first_point_has_an_open_low_end():
    lrs, losses = _valley(start=1e-3)
    reading = lr_range.read_sweep(lrs, losses, "end")
    assert reading.open_low and not reading.open_high


def test_a_flat_curve_has_no_range():
    lrs = lr_range.sweep_lrs(60, 1e-6, 1.0)
    reading = lr_range.read_sweep(lrs, [2.3 + 0.05 * math.sin(index) for index in range(60)], "end")
    assert reading.range is None and reading.reason.startswith("the loss barely moved")


def test_one_noisy_first_point_does_not_make_a_descent():
    # The old test compared the lowest smoothed loss with the first point alone: a high first
    # loss and a 3% wobble passed as a 5% descent.
    lrs = lr_range.sweep_lrs(60, 1e-5, 10.0)
    losses = [3.0] + [2.3 - 0.07 * math.sin(index / 9) for index in range(1, 60)]
    reading = lr_range.read_sweep(lrs, losses, "end")
    assert reading.range is None and "barely moved" in reading.reason


def test_a_sweep_cut_short_by_time_is_inconclusive():
    lrs, losses = _valley()
    readings = [lr_range.read_sweep(lrs, losses, "end"), lr_range.read_sweep(lrs[:20], losses[:20], "time")]
    verdict = lr_range.combine(readings)
    assert not verdict.conclusive
    assert verdict.reason == f"sweep 2 was cut short by the time limit at lr {lrs[19]:.1e}"


def test_repeats_that_overlap_report_their_intersection():
    lrs, losses = _valley()
    later = [losses[max(0, index - 3)] for index in range(len(lrs))]  # the same curve a little to the right
    first, second = lr_range.read_sweep(lrs, losses, "end"), lr_range.read_sweep(lrs, later, "end")
    verdict = lr_range.combine([first, second])
    assert verdict.conclusive
    assert verdict.low == max(first.low, second.low) and verdict.high == min(first.high, second.high)
    assert verdict.low <= verdict.suggested <= verdict.high


def test_repeats_that_do_not_overlap_are_inconclusive():
    lrs, losses = _valley()
    late = [losses[max(0, index - 25)] for index in range(len(lrs))]  # the valley 2 decades to the right
    verdict = lr_range.combine([lr_range.read_sweep(lrs, losses, "end"), lr_range.read_sweep(lrs, late, "end")])
    assert not verdict.conclusive and verdict.reason.startswith("the sweeps disagree")


def test_a_failure_needs_the_lr_outside_every_repeat_by_more_than_the_factor():
    lrs, losses = _valley()
    reading = lr_range.read_sweep(lrs, losses, "end")
    verdict = lr_range.combine([reading, reading])
    assert lr_range.off_by(math.sqrt(reading.low * reading.high), reading) == 1.0
    assert lr_range.outside_every_range(reading.high * 5, verdict, 10.0) is None
    assert lr_range.outside_every_range(reading.high * 50, verdict, 10.0) == pytest.approx(50)
    assert lr_range.outside_every_range(reading.low / 50, verdict, 10.0) == pytest.approx(50)
    open_low = lr_range.read_sweep(*_valley(start=1e-3), "end")
    assert lr_range.off_by(1e-9, open_low) == 1.0  # below an open end: the sweep cannot tell


# ---------------------------------------------------------------- the batch search, with a fake device


def _device(limit: int, calls: list[int] | None = None):
    """A fake trial: batches up to `limit` fit, at 10 samples/s per sample of batch."""

    def trial(batch: int) -> float | None:
        if calls is not None:
            calls.append(batch)
        return 10.0 * batch if batch <= limit else None

    return trial


@pytest.mark.parametrize("limit", [2, 3, 100, 1000, 4095, 4096])
def test_search_doubles_then_bisects_to_within_a_sixteenth(limit):
    result = batch_search.search_max_batch(_device(limit))
    assert result.complete
    assert result.largest_fit is not None and result.first_failure is not None
    assert result.largest_fit <= limit < result.first_failure
    assert result.first_failure - result.largest_fit <= max(1, result.largest_fit // 16)
    assert result.samples_per_s[result.largest_fit] == 10.0 * result.largest_fit


def test_search_sequence_is_doubling_then_bisection():
    calls: list[int] = []
    batch_search.search_max_batch(_device(100, calls))
    assert calls[:7] == [2, 4, 8, 16, 32, 64, 128]
    assert calls[7:] == [96, 112, 104, 100]


def test_search_when_the_first_batch_does_not_fit():
    result = batch_search.search_max_batch(_device(1))
    assert result.largest_fit is None and result.first_failure == 2 and result.trials == (2,)


def test_search_stops_at_the_cap_and_says_it_is_a_lower_bound():
    result = batch_search.search_max_batch(_device(10**9), cap=64)
    assert result.largest_fit == 64 and result.first_failure is None and not result.complete


def test_search_stops_when_time_runs_out():
    calls: list[int] = []
    result = batch_search.search_max_batch(_device(10**9, calls), out_of_time=lambda: len(calls) >= 3)
    assert result.largest_fit == 8 and not result.complete


@pytest.mark.parametrize(("largest", "expected"), [(1000, 896), (100, 88), (9, 8), (8, 4), (5, 4), (2, 1), (1, 1)])
def test_recommended_batch_keeps_a_margin_and_rounds_down(largest, expected):
    assert batch_search.recommended_batch(largest, 0.9) == expected


def test_judge_passes_and_reports_the_maximum():
    trial = _device(1000)
    search = batch_search.search_max_batch(trial)
    result = batch_search.judge(search, trial, None, "", 0.9, "80 GiB")
    assert search.largest_fit == 992
    assert result.status == "pass" and result.details["max_batch"] == 888  # 0.9 x 992, down to a multiple of 8
    assert result.details["samples_per_s"]["512"] == 5120.0


def test_judge_fails_when_the_configured_batch_does_not_fit():
    trial = _device(1000)
    result = batch_search.judge(batch_search.search_max_batch(trial), trial, 4096, "train.py:3", 0.9, "80 GiB of X")
    assert result.status == "fail"
    assert "training batch 4096 (train.py:3) does not fit in 80 GiB of X" in result.message
    assert "the largest batch that does is 992; use 888 per device" in result.message


def test_judge_tries_a_configured_batch_between_the_bracket():
    calls: list[int] = []
    trial = _device(1000, calls)
    search = batch_search.search_max_batch(trial)
    assert search.largest_fit is not None and search.largest_fit < 1000 < search.first_failure
    fits = batch_search.judge(search, trial, 1000, "", 0.9, "memory")
    assert calls[-1] == 1000 and fits.status == "pass" and fits.details["configured_fits"] is True
    too_big = batch_search.judge(search, trial, 1001, "", 0.9, "memory")
    assert calls[-1] == 1001 and too_big.status == "fail"


def test_judge_fails_when_nothing_fits():
    trial = _device(1)
    result = batch_search.judge(batch_search.search_max_batch(trial), trial, None, "", 0.9, "the 8 GiB of X")
    assert result.status == "fail" and "not even a batch of 2 fits in the 8 GiB of X" in result.message


# ---------------------------------------------------------------- the target


@pytest.mark.parametrize("text", ["models", "models:", ":make", "models.py:make-model", "my models:make"])
def test_targets_that_are_not_module_colon_factory(text):
    with pytest.raises(TargetError):
        parse_target(text)


def test_targets_by_path_and_by_dotted_name(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "nets.py").write_text("import torch\n\n\nclass Net:\n    pass\n\n\ndef make():\n    pass\n")
    dotted = parse_target("pkg.nets:Net.small")
    assert (dotted.module, dotted.factory, dotted.is_path) == ("pkg.nets", "Net.small", False)
    path = module_file(dotted, tmp_path)
    assert path == (tmp_path / "pkg" / "nets.py").resolve()
    assert factory_line(path, "Net.small") == 4 and factory_line(path, "make") == 8 and factory_line(path, "x") == 1
    assert module_file(parse_target("pkg/nets.py:make"), tmp_path) == path


# ---------------------------------------------------------------- usage errors (no child process)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["models.py", *SHAPE], "is not MODULE:FACTORY"),
        (["models.py:healthy", "--input-shape", "3,x", "--num-classes", "4"], "--input-shape"),
        (["models.py:healthy", "--data", "loaders"], "--data 'loaders' is not MODULE:FACTORY"),
        (["models.py:healthy", *SHAPE, "--select", "HP999"], "matches no probe rule"),
    ],
)
def test_usage_errors_exit_2_with_a_message(tmp_path, arguments, message):
    run = run_hplint("probe", *arguments, cwd=tmp_path)
    assert run.exit_code == 2 and message in run.stderr


# ---------------------------------------------------------------- end to end, on tiny CPU models

torch_required = pytest.mark.skipif(
    __import__("importlib").util.find_spec("torch") is None, reason="the probe's end-to-end tests need torch"
)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("probe")
    (root / "models.py").write_text(MODELS.lstrip(), encoding="utf-8")
    return root


def _probe(root: Path, factory: str, *extra: str, output: str = "json"):
    return run_hplint("probe", f"models.py:{factory}", *SHAPE, "--format", output, *extra, cwd=root)


def _checks(run) -> dict[str, dict]:
    return {check["code"]: check for check in run.json()["probe"]["checks"]}


def _line_of(root: Path, text: str) -> int:
    lines = (root / "models.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(text))


@torch_required
def test_a_healthy_model_passes_every_check(models, tmp_path):
    started = time.monotonic()
    run = _probe(models, "healthy", "--plot", str(tmp_path / "lr.png"))
    assert time.monotonic() - started < 20
    assert run.exit_code == 0, run.output + run.stderr
    payload = run.json()
    assert payload["version"] == 1 and payload["diagnostics"] == []
    assert payload["summary"]["error"] == payload["summary"]["warning"] == payload["summary"]["info"] == 0
    probe = payload["probe"]
    assert probe["device"] == "cpu" and probe["torch"].startswith("2.")
    checks = _checks(run)
    assert list(checks) == ["HP901", "HP902", "HP903", "HP904", "HP905", "HP906"]
    assert {code: check["status"] for code, check in checks.items()} == {
        "HP901": "pass", "HP902": "pass", "HP903": "pass", "HP904": "pass", "HP905": "skip", "HP906": "pass",
    }
    assert set(checks["HP901"]) >= {"code", "status", "measured", "expected", "seconds"}
    low, high = probe["suggested_lr_range"]
    assert low <= probe["suggested_lr"] <= high
    assert probe["lr_curve"][0]["lr"] == pytest.approx(1e-5) and len(probe["lr_curve"]) > 20  # Adam's span
    sweeps = checks["HP904"]["details"]["sweeps"]
    assert [sweep["seed"] for sweep in sweeps] == [0, 1, 2] and all(sweep["range"] for sweep in sweeps)
    assert probe["max_batch"] is None and probe["samples_per_s"] == {}
    assert "skipped on CPU" in checks["HP905"]["message"]
    # Progress on stderr, one line per check; matplotlib is optional: a note, not an error.
    assert run.stderr.count("] HP9") == 6 and "[6/6] HP905 max-batch ... skip" in run.stderr
    assert "--plot:" in run.stderr


@torch_required
def test_softmax_at_the_output_cannot_overfit(models):
    run = _probe(models, "softmax_output", "--select", "HP901,HP902", output="sarif")
    assert run.exit_code == 1, run.stderr
    sarif = run.json()
    assert sarif["version"] == "2.1.0"
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "HP902" and result["level"] == "error"
    assert "the outputs are probabilities" in result["message"]["text"]
    region = result["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "models.py"
    assert region["region"]["startLine"] == _line_of(models, "def softmax_output")
    rule_ids = [rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert rule_ids[result["ruleIndex"]] == "HP902"
    probe = sarif["runs"][0]["properties"]["probe"]
    init = next(check for check in probe["checks"] if check["code"] == "HP901")
    assert init["status"] == "pass" and init["details"]["output_looks_like_probabilities"] is True


@torch_required
def test_a_hot_initialisation_fails_init_loss(models):
    run = _probe(models, "hot_init", "--select", "HP901", output="text")
    assert run.exit_code == 1
    line = _line_of(models, "def hot_init")
    assert f"models.py:{line}:1: HP901 [warning] the loss at initialisation is" in run.output
    assert "far above the chance level (ln 4 = 1.39" in run.output


@torch_required
def test_an_unused_branch_gets_no_gradient(models):
    run = _probe(models, "UnusedBranch", "--select", "HP903")
    assert run.exit_code == 1
    (diagnostic,) = run.json()["diagnostics"]
    assert diagnostic["code"] == "HP903" and diagnostic["line"] == _line_of(models, "class UnusedBranch")
    assert "2 of 6 parameter tensors get no gradient (aux.weight, aux.bias)" in diagnostic["message"]
    assert _checks(run)["HP903"]["details"]["no_gradient"] == ["aux.weight", "aux.bias"]


@torch_required
def test_a_nan_producing_layer_gets_a_non_finite_gradient(models):
    run = _probe(models, "SignedSqrt", "--select", "HP901,HP903")
    assert run.exit_code == 1
    checks = _checks(run)
    assert checks["HP901"]["status"] == "pass"  # finite forward: only the backward pass is NaN
    assert checks["HP903"]["status"] == "fail"
    assert checks["HP903"]["details"]["non_finite"] == ["hidden.weight", "hidden.bias"]


@torch_required
def test_a_factory_that_raises_is_a_usage_error(models):
    run = _probe(models, "broken", output="text")
    assert run.exit_code == 2
    assert run.stderr.strip().splitlines()[-1] == (
        "hplint: error: broken() raised FileNotFoundError: no checkpoint at weights/best.pt"
    )
    assert "Traceback" not in run.stderr and run.output == ""


@torch_required
def test_a_missing_factory_is_a_usage_error(models):
    run = _probe(models, "nowhere", output="text")
    assert run.exit_code == 2 and "models.py has no attribute 'nowhere'" in run.stderr


@torch_required
def test_a_model_that_hangs_times_out_with_the_finished_checks(models):
    started = time.monotonic()
    run = _probe(models, "Sleeper", "--select", "HP901,HP903", "--timeout", "15")
    assert run.exit_code == 3
    assert time.monotonic() - started < 25
    probe = run.json()["probe"]
    assert [check["code"] for check in probe["checks"]] == ["HP901"]
    assert probe["errors"] == [{
        "kind": "timeout", "code": "HP903",
        "message": "the probe ran past --timeout 15 s during HP903; the checks that finished are reported",
    }]
    assert "[2/2] HP903 gradient-flow ... did not finish" in run.stderr
    # The whole process group went down: the model's helper processes too.
    for pid in (models / "helpers.txt").read_text().split():
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "State:\tZ" in status.read_text(), f"helper {pid} survived"


@torch_required
def test_a_child_that_dies_is_a_crash_with_the_finished_checks(models):
    run = _probe(models, "Killed", "--select", "HP901,HP903")
    assert run.exit_code == 3
    probe = run.json()["probe"]
    assert [check["code"] for check in probe["checks"]] == ["HP901"]
    (error,) = probe["errors"]
    assert error["kind"] == "crash" and error["code"] == "HP903"
    assert error["message"].startswith("the probe process was killed by signal 9 (out of memory?) during HP903")


@torch_required
def test_the_configured_lr_comes_from_the_project_facts(tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent('''
        from torch import nn


        def make_model():
            return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))
    ''').lstrip())
    (tmp_path / "train.py").write_text(textwrap.dedent('''
        import torch
        from model import make_model

        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=50.0, momentum=0.9)
    ''').lstrip())
    run = run_hplint(
        "probe", "model.py:make_model", "--input-shape", "20", "--num-classes", "3", "--select", "HP904",
        "--format", "json", cwd=tmp_path,
    )
    assert run.exit_code == 1, run.stderr
    probe = run.json()["probe"]
    assert probe["configured_lr"] == {"value": 50.0, "source": "train.py:5, SGD"}
    assert probe["recipe"]["optimizer"] == "SGD(momentum=0.9)" and probe["recipe"]["optimizer_source"] == "train.py:5"
    (diagnostic,) = run.json()["diagnostics"]
    assert diagnostic["code"] == "HP904" and diagnostic["severity"] == "warning"
    assert diagnostic["message"].startswith("the configured lr 50 (train.py:5, SGD) is ")
    assert "above the range where the loss fell below its start in all 3 LR range sweeps" in diagnostic["message"]
    assert "with SGD(momentum=0.9) (train.py:5), batch 32 (the probe's default) on synthetic data" in diagnostic["message"]


TRAINING_SCRIPT = '''
# A training script whose module parses its arguments when imported, as many scripts do.
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()


def clusters(count=1024):
    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 20, generator=generator) * 1.5
    labels = torch.randint(0, 4, (count,), generator=generator)
    return TensorDataset(centres[labels] + torch.randn(count, 20, generator=generator), labels)


def make_run():
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = DataLoader(clusters(), batch_size=32, shuffle=True)
    return {"model": model, "optimizer": optimizer, "loss": nn.CrossEntropyLoss(), "data": loader}
'''


@torch_required
def test_a_bundle_is_probed_on_its_own_optimizer_and_data_and_its_module_sees_its_own_argv(tmp_path):
    (tmp_path / "train.py").write_text(TRAINING_SCRIPT.lstrip(), encoding="utf-8")
    run = run_hplint("probe", "train.py:make_run", "--select", "HP901,HP904", "--format", "json", cwd=tmp_path)
    # The module's argparse would have failed on the child's own arguments (spec.json, events.jsonl).
    assert run.exit_code == 0, run.stderr
    probe = run.json()["probe"]
    assert probe["recipe"] == {
        "kind": "bundle", "step": "CrossEntropyLoss(model(x), y)", "data": "the bundle's DataLoader",
        "optimizer": "SGD(momentum=0.9)", "optimizer_source": "the bundle's optimizer", "lr": 0.05,
        "lr_source": "the bundle's optimizer", "batch_size": 32, "batch_source": "the bundle's DataLoader",
        "threads": 1,
    }
    checks = _checks(run)
    assert checks["HP901"]["status"] == "pass"
    lr = checks["HP904"]
    assert lr["status"] == "pass", lr["message"]
    low, high = lr["details"]["suggested_range"]
    assert lr["details"]["data"] == "the bundle's DataLoader" and lr["details"]["batch_size"] == 32
    assert lr["measured"].startswith(f"SGD(momentum=0.9) {low:.1e} to {high:.1e} in 3 sweeps of ")


@torch_required
def test_verbose_shows_the_users_own_traceback(models):
    run = _probe(models, "broken", "-v", output="text")
    assert run.exit_code == 2
    assert 'models.py", line' in run.stderr and "in broken" in run.stderr
    assert 'raise FileNotFoundError("no checkpoint at weights/best.pt")' in run.stderr
    assert "hplint/probe" not in run.stderr  # the user's frames, not the probe's
    assert run.stderr.strip().splitlines()[-1].startswith("hplint: error: broken() raised FileNotFoundError")


@torch_required
def test_ctrl_c_exits_130_with_the_finished_checks(models):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "hplint", "probe", "models.py:Sleeper", *SHAPE, "--select", "HP901,HP903",
         "--timeout", "60"],
        cwd=models, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As from a terminal: a test run started in the background inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - it only resets a signal
    )
    try:
        progress = ""
        while "HP903" not in progress:  # HP903 trains, and Sleeper sleeps as soon as it does
            character = process.stderr.read(1)  # the progress line ends only when the check does
            assert character, "the probe ended before HP903 started"
            progress += character
        process.send_signal(signal.SIGINT)
        output, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, errors
    assert "HP901  init-loss" in output and "interrupted (Ctrl-C)" in errors
    for pid in (models / "helpers.txt").read_text().split():  # the child's process group went down with it
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "State:\tZ" in status.read_text(), f"helper {pid} survived"


MODEL_PROJECT = {
    "model.py": """
        from torch import nn


        class Classifier(nn.Module):
            def __init__(self, features, classes=10):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(features, 64), nn.ReLU())
                self.head = nn.Linear(64, classes)

            def forward(self, x):
                return self.head(self.body(x))
    """,
    "train.py": """
        import torch
        from torch import nn

        from model import Classifier

        FEATURES = 24


        def main():
            model = Classifier(FEATURES, classes=3)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
            for x, y in []:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()


        if __name__ == "__main__":
            main()
    """,
}


@torch_required
def test_without_a_factory_the_projects_one_model_is_built(tmp_path):
    write_project(tmp_path, MODEL_PROJECT)
    run = run_hplint("probe", "--select", "HP901,HP903", "--format", "json", cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    probe = run.json()["probe"]
    assert probe["target"] == "Classifier (model.py:4, built as at train.py:10)"
    assert probe["recipe"]["step"] == "CrossEntropyLoss(model(x), y)"
    assert probe["recipe"]["optimizer"] == "SGD(momentum=0.9, weight_decay=0.0005)"
    assert probe["recipe"]["optimizer_source"] == "train.py:12"
    assert probe["configured_lr"] == {"value": 0.05, "source": "train.py:12, SGD"}
    init = _checks(run)["HP901"]
    assert init["status"] == "pass" and init["expected"].startswith("ln 3 = 1.1")  # 24 features in, 3 classes out


def test_without_a_factory_and_unknown_arguments_the_probe_says_which_factory_to_write(tmp_path):
    write_project(tmp_path, {**MODEL_PROJECT, "train.py": MODEL_PROJECT["train.py"].replace(
        "Classifier(FEATURES, classes=3)", "Classifier(len(open('vocab.txt').read().split()), classes=3)")})
    run = run_hplint("probe", cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr.startswith(
        "hplint: error: hplint probe without MODULE:FACTORY builds the project's one model: Classifier (model.py:4) "
        "reaches CrossEntropyLoss (train.py:15), but the argument 1 of Classifier(...) at train.py:10 is not known "
        "statically; write a factory that builds it, e.g. in probe_factory.py: `from model import Classifier` and "
        "`def make_model(): return Classifier(...)`, then run hplint probe probe_factory.py:make_model"
    )


def test_the_configured_lr_is_not_taken_from_a_script_that_does_not_train_the_model(tmp_path, monkeypatch):
    from hplint.probe import configured

    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {
        **MODEL_PROJECT,
        "experiments/old/train.py": """
            import torch
            from torch import nn

            net = nn.Linear(3, 2)
            optimizer = torch.optim.Adam(net.parameters(), lr=50.0)
            for x in []:
                net(x).sum().backward()
                optimizer.step()
        """,
    })
    project = configured.load(tmp_path)
    found = configured.from_project(project, "model.py")
    assert found.lr == configured.Configured(0.05, "train.py:12, SGD")
    assert (found.optimizer, found.optimizer_arguments, found.run) == (
        "SGD", {"momentum": 0.9, "weight_decay": 0.0005}, "train.py",
    )
    alone = configured.from_project(project, "experiments/old/train.py")
    assert alone.lr == configured.Configured(50.0, "experiments/old/train.py:5, Adam")
    assert configured.from_project(project, "nowhere.py").lr is None


LIGHTNING_MODULE = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(nn.Module):  # shaped like a LightningModule; lightning itself is not installed here
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self):
        return {"optimizer": torch.optim.Adam(self.parameters(), lr=2e-3)}


class Data:  # shaped like a LightningDataModule
    def setup(self, stage):
        generator = torch.Generator().manual_seed(0)
        self.train = TensorDataset(torch.randn(256, 20, generator=generator), torch.randint(0, 4, (256,), generator=generator))

    def train_dataloader(self):
        return DataLoader(self.train, batch_size=16, shuffle=True)
"""


@torch_required
def test_a_lightning_module_with_a_data_module_from_data(tmp_path):
    (tmp_path / "lit.py").write_text(LIGHTNING_MODULE.lstrip(), encoding="utf-8")
    run = run_hplint(
        "probe", "lit.py:LitClassifier", "--data", "lit.py:Data", "--select", "HP902,HP903", "--format", "json",
        cwd=tmp_path,
    )
    assert run.exit_code == 0, run.stderr
    recipe = run.json()["probe"]["recipe"]
    assert recipe["kind"] == "lightning" and recipe["step"] == "LitClassifier.training_step"
    assert recipe["data"] == "--data lit.py:Data (Data)" and recipe["batch_size"] == 16
    assert (recipe["optimizer"], recipe["optimizer_source"], recipe["lr"]) == ("Adam", "configure_optimizers()", 0.002)
    assert {check["code"]: check["status"] for check in run.json()["probe"]["checks"]} == {"HP902": "pass", "HP903": "pass"}


def test_without_torch_the_probe_says_how_to_install_it(tmp_path):
    fake = tmp_path / "fake"
    (fake / "torch").mkdir(parents=True)
    (fake / "torch" / "__init__.py").write_text("raise ImportError('No module named torch (test stand-in)')\n")
    (tmp_path / "models.py").write_text("def make():\n    pass\n")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(ROOT)])}
    run = subprocess.run(
        [sys.executable, "-m", "hplint", "probe", "models.py:make", *SHAPE],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == "hplint probe needs PyTorch: pip install 'hplint[probe]'"


def test_a_plot_extra_installs_matplotlib_for_the_lr_range_plot():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(requirement.startswith("matplotlib") for requirement in extras["plot"])
    from hplint.probe.plot import plot_lr_range

    assert plot_lr_range({}, None, ROOT / "never.png") == "--plot: no LR range curve to draw (HP904 did not run)"


def test_check_reports_no_probe_rules(tmp_path):
    (tmp_path / "models.py").write_text(MODELS.lstrip(), encoding="utf-8")
    run = run_hplint(".", "--select", "HP9", "--format", "json", cwd=tmp_path)
    assert run.exit_code == 0 and run.json()["diagnostics"] == []


def test_the_rule_book_lists_the_probe_rules():
    listing = run_hplint("rules").output
    for code, name in [("HP901", "init-loss"), ("HP902", "cannot-overfit"), ("HP903", "gradient-flow"),
                       ("HP904", "lr-range"), ("HP905", "max-batch"), ("HP906", "regularization-check")]:
        assert any(line.split()[:2] == [code, name] for line in listing.splitlines())
    page = run_hplint("rule", "HP903")
    assert page.exit_code == 0 and page.output.startswith("# HP903 gradient-flow\n")
