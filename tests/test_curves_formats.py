"""`hplint curves` on the files training code really writes: each format, written here, read back."""

from __future__ import annotations

import json
import math
import sys

import pytest

import curves_logs as shapes
from conftest import run_hplint
from curves_logs import line_of
from hplint.curves.find_logs import LogFile, find_logs
from hplint.curves.log import Columns, LogError
from hplint.curves.read import read_log
from hplint.curves.read_tensorboard import INSTALL_HINT


def curves(tmp_path, *args: str):
    run = run_hplint("curves", *args, "--format", "json", cwd=tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()["diagnostics"], run


def overfitting_run() -> list[shapes.Record]:
    """300 steps, 10 per epoch; validation lowest after epoch 12, then rising (HP804 since epoch 13)."""
    return shapes.run(shapes.falling_train_per_step(), shapes.overfitting_validation())


# ---------------------------------------------------------------- Lightning CSVLogger


def test_lightning_metrics_csv(tmp_path):
    path = shapes.write_lightning_csv(tmp_path / "lightning_logs" / "version_0" / "metrics.csv", overfitting_run())
    (log,) = [read_log(found, Columns()) for found in find_logs(tmp_path)]
    assert log is not None
    assert (log.kind, log.axis) == ("CSV", "step")
    assert log.columns == Columns("train_loss_step", "val_loss", "step", "epoch")
    assert (len(log.train), len(log.validation)) == (300, 30)
    diagnostics, _ = curves(tmp_path, ".", "--select", "HP804")
    (overfit,) = diagnostics
    assert overfit["path"] == "lightning_logs/version_0/metrics.csv"
    # The evaluation after epoch 13 is logged at that epoch's last step, 139.
    assert overfit["line"] == line_of(path, "13,139,,")
    assert overfit["message"].startswith("overfitting since epoch 13 (step 139): validation loss rose from 0.52")


def test_lightning_loss_logged_per_step_and_per_epoch_reads_the_per_step_column(tmp_path):
    lines = ["epoch,step,train_loss_epoch,train_loss_step,val_loss"]
    for epoch in range(4):
        for step in range(epoch * 5, epoch * 5 + 5):
            lines.append(f"{epoch},{step},,{2.0 - 0.05 * step},")
        last = epoch * 5 + 4
        lines.append(f"{epoch},{last},,,{1.9 - 0.1 * epoch}")
        lines.append(f"{epoch},{last},{2.0 - 0.05 * last},,")
    (tmp_path / "metrics.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (found,) = find_logs(tmp_path / "metrics.csv")
    log = read_log(found, Columns())
    assert log is not None and log.columns.train == "train_loss_step" and len(log.train) == 20


# ---------------------------------------------------------------- Keras CSVLogger and plain CSVs


def test_keras_csv_logger(tmp_path):
    records = shapes.epochs(shapes.falling_train_per_epoch(18), shapes.NOISY_VALIDATION)
    path = shapes.write_keras_csv(tmp_path / "training.log.csv", records)
    run = run_hplint("curves", "training.log.csv", cwd=tmp_path)
    assert run.exit_code == 0  # info only
    assert run.stderr.splitlines() == [
        'read training.log.csv (CSV, by epoch): training loss from "loss" (18 values), '
        'validation loss from "val_loss" (18 values)'
    ]
    (finding, summary) = run.output.splitlines()
    assert finding.startswith(f"training.log.csv:{line_of(path, '3,')}:1: HP806 [info] validation loss failed")
    assert summary == "1 info in 1 file"


def test_plain_csv_with_columns_named_on_the_command_line(tmp_path):
    rows = ["iteration;objective;heldout"]
    for step, loss in enumerate(shapes.diverging_train()):
        rows.append(f"{step * 50};{loss:.4f};")
    (tmp_path / "run.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = run_hplint("curves", "run.csv", cwd=tmp_path)
    assert run.exit_code == 2
    assert "run.csv: no training or validation loss column (numeric columns: iteration, objective)" in run.stderr
    diagnostics, _ = curves(tmp_path, "run.csv", "--train-column", "objective", "--step-column", "iteration")
    (diverges,) = diagnostics
    assert (diverges["code"], diverges["line"]) == ("HP801", 62)  # step 60 of the shape, on line 62
    assert diverges["message"].startswith("training loss climbs from step 3000:")


def test_tensorboard_style_names_are_recognised(tmp_path):
    rows = ["Step,Loss/train,Loss/val"] + [f"{step},{2.0 - 0.01 * step},{2.1 - 0.01 * step}" for step in range(20)]
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (found,) = find_logs(tmp_path / "export.csv")
    log = read_log(found, Columns())
    assert log is not None and log.columns == Columns("Loss/train", "Loss/val", "Step", None)


def test_nan_in_a_csv_log(tmp_path):
    train = shapes.healthy_train()
    train[120] = math.nan
    path = shapes.write_lightning_csv(tmp_path / "metrics.csv", shapes.run(train))
    diagnostics, _ = curves(tmp_path, "metrics.csv")
    (nan,) = diagnostics
    assert (nan["code"], nan["severity"], nan["line"]) == ("HP801", "error", line_of(path, "12,120,"))
    assert nan["message"].startswith("training loss became nan at epoch 12 (step 120);")


# ---------------------------------------------------------------- Hugging Face trainer_state.json


def test_trainer_state_json(tmp_path):
    records = shapes.run(shapes.diverging_train())
    path = shapes.write_trainer_state(tmp_path / "out" / "trainer_state.json", records)
    (found,) = find_logs(tmp_path)
    log = read_log(found, Columns())
    assert log is not None
    assert (log.kind, log.columns) == ("trainer_state.json", Columns("loss", None, "step", "epoch"))
    assert len(log.train) == 100  # the closing entry's mean train_loss is not a logged value
    diagnostics, _ = curves(tmp_path, "out")
    (diverges,) = diagnostics
    assert diverges["code"] == "HP801"
    # Trainer steps count from 1: the shape's step 60 is step 61, and the finding is on the line its entry opens.
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[diverges["line"] - 1].strip() == "{"
    assert '"step": 61' in "\n".join(text[diverges["line"]:diverges["line"] + 8])
    assert "climbs from epoch 6.1 (step 61)" in diverges["message"]


def test_trainer_state_of_the_latest_checkpoint_only(tmp_path):
    for step in (50, 100):
        records = shapes.run(shapes.flat_train(step))
        shapes.write_trainer_state(tmp_path / "out" / f"checkpoint-{step}" / "trainer_state.json", records)
    (found,) = find_logs(tmp_path)
    assert found.paths == (tmp_path / "out" / "checkpoint-100" / "trainer_state.json",)
    shapes.write_trainer_state(tmp_path / "out" / "trainer_state.json", shapes.run(shapes.flat_train(100)))
    (found,) = find_logs(tmp_path)
    assert found.paths == (tmp_path / "out" / "trainer_state.json",)


def test_nan_in_a_trainer_state(tmp_path):
    train = shapes.healthy_train(50)
    train[30] = math.nan
    shapes.write_trainer_state(tmp_path / "trainer_state.json", shapes.run(train))
    diagnostics, _ = curves(tmp_path, "trainer_state.json")
    assert [(d["code"], d["message"].split(";")[0]) for d in diagnostics] == [
        ("HP801", "training loss became nan at epoch 3.1 (step 31)")
    ]


# ---------------------------------------------------------------- TensorBoard


def test_tensorboard_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    folder = shapes.write_tensorboard(tmp_path / "lightning_logs" / "version_0", overfitting_run())
    (found,) = find_logs(tmp_path)
    assert found.kind == "TensorBoard"
    log = read_log(found, Columns())
    assert log is not None
    assert log.columns == Columns("train_loss", "val_loss", "step", "epoch")
    assert (len(log.train), len(log.validation)) == (300, 30)
    diagnostics, _ = curves(tmp_path, ".", "--select", "HP804")
    (overfit,) = diagnostics
    assert overfit["path"].startswith("lightning_logs/version_0/events.out.tfevents.")
    assert overfit["line"] == 1  # event files have no lines
    assert overfit["message"].startswith("overfitting since epoch 13 (step 139)")
    assert folder.is_dir()


def test_tensorboard_without_the_package_says_how_to_get_it(tmp_path, monkeypatch):
    event_file = tmp_path / "runs" / "events.out.tfevents.1700000000.host.1.0"
    event_file.parent.mkdir()
    event_file.write_bytes(b"")
    for name in [name for name in sys.modules if name.split(".")[0] == "tensorboard"] + ["tensorboard"]:
        monkeypatch.setitem(sys.modules, name, None)  # importing it, or any part of it, now raises ImportError
    with pytest.raises(LogError, match="needs the tensorboard package"):
        read_log(LogFile("TensorBoard", (event_file,), True), Columns())
    run = run_hplint("curves", "runs", cwd=tmp_path)
    assert run.exit_code == 2
    assert INSTALL_HINT in run.stderr


# ---------------------------------------------------------------- folders, and what is not a log


def test_a_folder_of_runs(tmp_path):
    shapes.write_lightning_csv(tmp_path / "lightning_logs" / "version_0" / "metrics.csv", overfitting_run())
    healthy = shapes.run(shapes.healthy_train())
    shapes.write_lightning_csv(tmp_path / "lightning_logs" / "version_1" / "metrics.csv", healthy)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("pixel0,pixel1,label\n0,1,3\n", encoding="utf-8")  # a data set
    shapes.write_lightning_csv(tmp_path / ".hidden" / "metrics.csv", overfitting_run())
    run = run_hplint("curves", ".", cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr.count("read ") == 2
    assert "version_1" in run.stderr and "data/train.csv" not in run.stderr
    assert run.output.splitlines()[-1] == "1 warning, 1 info in 2 files"


def test_logs_that_cannot_be_read_are_errors_and_the_rest_is_still_reported(tmp_path):
    shapes.write_lightning_csv(tmp_path / "a" / "metrics.csv", overfitting_run())
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "trainer_state.json").write_text('{"log_history": [', encoding="utf-8")
    run = run_hplint("curves", ".", "--format", "json", cwd=tmp_path)
    assert run.exit_code == 2
    assert "b/trainer_state.json: cannot read:" in run.stderr
    assert {d["code"] for d in run.json()["diagnostics"]} == {"HP804", "HP805"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", "hello", "not a training log hplint reads"),
        ("state.json", '{"global_step": 3}', "no log_history list"),
        ("latin1.csv", "step,loss\n1,\xe9\n", "cannot read"),
    ],
)
def test_files_that_are_not_logs(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content.encode("latin-1"))
    run = run_hplint("curves", name, cwd=tmp_path)
    assert run.exit_code == 2 and message in run.stderr


def test_no_log_in_a_folder_or_no_such_path(tmp_path):
    run = run_hplint("curves", ".", cwd=tmp_path)
    assert run.exit_code == 2 and "no training log found" in run.stderr and run.output == ""
    run = run_hplint("curves", "missing", cwd=tmp_path)
    assert run.exit_code == 2 and "missing: no such file or folder" in run.stderr


def test_a_column_named_on_the_command_line_must_exist(tmp_path):
    shapes.write_keras_csv(tmp_path / "log.csv", shapes.epochs([1.0, 0.9], [1.1, 1.0]))
    run = run_hplint("curves", "log.csv", "--val-column", "valid_loss", cwd=tmp_path)
    assert run.exit_code == 2
    assert "log.csv: --val-column 'valid_loss' is not a numeric column of this log" in run.stderr


def test_trainer_state_lines_follow_the_entries(tmp_path):
    records = shapes.run([1.0, 0.9, 0.8], [0.95], steps_per_epoch=3)
    path = shapes.write_trainer_state(tmp_path / "trainer_state.json", records, steps_per_epoch=3)
    (found,) = find_logs(path)
    from hplint.curves.read_trainer_state import read_trainer_state

    rows = read_trainer_state(path, "trainer_state.json")
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = json.loads(path.read_text(encoding="utf-8"))["log_history"]
    assert len(rows) == len(entries) == 5
    for row, entry in zip(rows, entries):
        assert lines[row.line - 1].strip() == "{"
        assert row.values["step"] == entry["step"]
    assert found.kind == "trainer_state.json"
