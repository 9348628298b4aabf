"""The HP8xx analyses on synthetic runs of each shape, each with its known answer, firing and silent."""

from __future__ import annotations

import math

import pytest

import curves_logs as shapes
from hplint.checks import rule_by_code
from hplint.curves.analyses import ANALYSES
from hplint.curves.evaluations import evaluations
from hplint.curves.log import Columns, Row, TrainingLog, build_log

COLUMNS = Columns(train="train_loss", validation="val_loss", step="step", epoch="epoch")


def log_of(records: list[shapes.Record], columns: Columns = COLUMNS) -> TrainingLog:
    """The log as a CSV of these records would read: row i on line i + 2, under the header."""
    rows = []
    for number, record in enumerate(records):
        values = {"step": float(record.step), "epoch": float(record.epoch)}
        if record.train_loss is not None:
            values["train_loss"] = record.train_loss
        if record.val_loss is not None:
            values["val_loss"] = record.val_loss
        rows.append(Row("run.csv", number + 2, values))
    return build_log("run.csv", "CSV", rows, columns)


def analyse(code: str, log: TrainingLog, **options: object):
    rule = rule_by_code(code)
    assert rule is not None
    return ANALYSES[code](log, {**rule.options, **options})


def per_epoch(train: list[float], validation: list[float]) -> TrainingLog:
    return log_of(shapes.epochs(train, validation), Columns("train_loss", "val_loss", None, "epoch"))


# ---------------------------------------------------------------- HP801 loss-diverges


def test_hp801_fires_where_the_climb_starts():
    finding = analyse("HP801", log_of(shapes.run(shapes.diverging_train())))
    assert finding is not None
    assert (finding.at.step, finding.at.line) == (60, 62)
    assert "climbs from epoch 6 (step 60)" in finding.evidence
    assert "rose from 0.5 (from epoch 3 (step 39)) to 0.8, more than 50% above it" in finding.evidence
    assert "the last 5 values still average 2" in finding.evidence
    assert finding.hyperparameters == ("lr",)


def test_hp801_fires_at_the_first_nan():
    train = shapes.healthy_train()
    train[137] = math.nan
    train[150] = math.inf
    finding = analyse("HP801", log_of(shapes.run(train)))
    assert finding is not None and finding.at.step == 137
    assert finding.evidence == "training loss became nan at epoch 13 (step 137)"


def test_hp801_silent_on_a_falling_loss_and_on_a_spike_that_recovers():
    assert analyse("HP801", log_of(shapes.run(shapes.healthy_train()))) is None
    spiked = shapes.healthy_train()
    spiked[100:110] = [3.0] * 10  # a loss spike the run recovers from is not a divergence
    assert analyse("HP801", log_of(shapes.run(spiked))) is None


def test_hp801_window_and_rise_are_options():
    diverging = log_of(shapes.run(shapes.diverging_train()))
    assert analyse("HP801", diverging, rise=4.0) is None  # 0.5 -> 2.0 is a rise of 300 %
    assert analyse("HP801", diverging, window=60) is None  # fewer than two windows of values


# ---------------------------------------------------------------- HP802 oscillating-plateau


def test_hp802_fires_at_the_start_of_the_stalled_tail():
    finding = analyse("HP802", log_of(shapes.run(shapes.plateau_train())))
    assert finding is not None
    assert finding.at.step == 160  # the last fifth of 200 values
    assert "over the last 40 values, from epoch 16 (step 160)" in finding.evidence
    assert "its trend rises by 0.0088 while it swings by ±0.06 around 0.6 (it started at 2.283)" in finding.evidence
    assert finding.hyperparameters == ("lr",)


def test_hp802_silent_when_the_loss_still_falls_or_is_smooth_or_never_fell():
    assert analyse("HP802", log_of(shapes.run(shapes.healthy_train()))) is None
    smooth = shapes.plateau_train()[:100] + [0.6] * 100  # stalled, but nothing to damp
    assert analyse("HP802", log_of(shapes.run(smooth))) is None
    assert analyse("HP802", log_of(shapes.run(shapes.flat_train(200)))) is None  # HP803's case


def test_hp802_needs_two_tails_of_values():
    assert analyse("HP802", log_of(shapes.run(shapes.plateau_train(19)))) is None


# ---------------------------------------------------------------- HP803 not-learning


def test_hp803_fires_a_tenth_into_a_flat_run():
    finding = analyse("HP803", log_of(shapes.run(shapes.flat_train())))
    assert finding is not None
    assert finding.at.step == 10  # steps 0-99: a tenth in is step 9.9, so the value at step 10
    assert "within 10% of where it started, 2.3" in finding.evidence
    assert finding.hyperparameters == ("lr",)


def test_hp803_silent_when_the_loss_falls_or_the_run_is_short():
    assert analyse("HP803", log_of(shapes.run(shapes.healthy_train()))) is None
    assert analyse("HP803", log_of(shapes.run(shapes.flat_train(9)))) is None


def test_hp803_tolerance_is_an_option():
    # The healthy run has fallen by about a third a tenth of the way in.
    assert analyse("HP803", log_of(shapes.run(shapes.healthy_train())), tolerance=0.5) is not None


# ---------------------------------------------------------------- HP804 overfitting


def test_hp804_names_the_epoch_overfitting_started():
    log = per_epoch(shapes.falling_train_per_epoch(), shapes.overfitting_validation())
    finding = analyse("HP804", log)
    assert finding is not None
    assert finding.at.epoch == 13 and finding.at.line == 15
    assert finding.evidence.startswith(
        "overfitting since epoch 13: validation loss rose from 0.52 at epoch 12 to 0.61 at epoch 15 "
        "while training loss fell from 0.5649 to 0.4118"
    )
    assert "at the end validation loss is 10.9× training loss" in finding.evidence
    assert finding.hyperparameters == ("dropout", "weight_decay")


def test_hp804_pairs_each_evaluation_with_the_training_since_the_last():
    train = [float(step) for step in range(30)]
    log = log_of(shapes.run(train, [1.0, 1.0, 1.0]))
    assert [evaluation.train_loss for evaluation in evaluations(log)] == [4.5, 14.5, 24.5]


def test_hp804_silent_when_validation_falls_or_training_rises_too():
    assert analyse("HP804", per_epoch(shapes.falling_train_per_epoch(), shapes.falling_validation())) is None
    rising_train = list(reversed(shapes.falling_train_per_epoch()))
    assert analyse("HP804", per_epoch(rising_train, shapes.overfitting_validation())) is None


def test_hp804_silent_on_a_rise_shorter_than_the_window_or_smaller_than_min_rise():
    bump = [1.0 - 0.04 * epoch for epoch in range(30)]
    bump[10:12] = [0.65, 0.66]  # two evaluations up, then down again
    assert analyse("HP804", per_epoch(shapes.falling_train_per_epoch(), bump)) is None
    creeping = [0.5 + 0.001 * epoch for epoch in range(30)]
    assert analyse("HP804", per_epoch(shapes.falling_train_per_epoch(), creeping)) is None


# ---------------------------------------------------------------- HP805 early-stop-point


def test_hp805_stops_after_patience_evaluations_without_a_new_best():
    log = per_epoch(shapes.falling_train_per_epoch(), shapes.overfitting_validation())
    finding = analyse("HP805", log)
    assert finding is not None and finding.at.epoch == 15
    assert finding.evidence == (
        "early stopping with patience 3 would have stopped at epoch 15, 3 evaluations after the best validation "
        "loss 0.52 at epoch 12, saving 47% of its evaluations (14 of 30); the rest of the run never beat it"
    )
    assert finding.hyperparameters == ("epochs", "max_steps")


def test_hp805_counts_saved_compute_in_steps_when_the_log_has_them():
    log = log_of(shapes.run(shapes.falling_train_per_step(), shapes.overfitting_validation()))
    finding = analyse("HP805", log, patience=5)
    assert finding is not None and finding.at.step == 179  # the evaluation after epoch 17
    assert "saving 40% of its steps (120 of 299)" in finding.evidence


def test_hp805_says_when_the_best_came_after_the_stop():
    finding = analyse("HP805", per_epoch(shapes.falling_train_per_epoch(18), shapes.NOISY_VALIDATION), patience=1)
    assert finding is not None and finding.at.epoch == 3
    assert "but the run's best, 0.5 at epoch 15, came later" in finding.evidence
    assert finding.advice == "a patience of 1 is too short for this run"
    assert finding.hyperparameters == ("patience",)


def test_hp805_silent_when_it_would_not_stop_before_the_end():
    assert analyse("HP805", per_epoch(shapes.falling_train_per_epoch(), shapes.falling_validation())) is None
    overfit = per_epoch(shapes.falling_train_per_epoch(), shapes.overfitting_validation())
    assert analyse("HP805", overfit, patience=20) is None


def test_hp805_min_delta_counts_small_gains_as_none():
    slow = [1.0 - 0.001 * epoch for epoch in range(30)]
    assert analyse("HP805", per_epoch(shapes.falling_train_per_epoch(), slow)) is None
    finding = analyse("HP805", per_epoch(shapes.falling_train_per_epoch(), slow), **{"min-delta": 0.01})
    assert finding is not None and finding.at.epoch == 3


# ---------------------------------------------------------------- HP806 noisy-validation


def test_hp806_counts_the_bumps_before_the_best():
    finding = analyse("HP806", per_epoch(shapes.falling_train_per_epoch(18), shapes.NOISY_VALIDATION))
    assert finding is not None and finding.at.epoch == 3
    assert finding.evidence == (
        "validation loss failed to improve on its best 3 times before reaching its lowest, 0.5 at epoch 15: "
        "a patience of 1 would have stopped at epoch 3, and the longest wait for a new best was 2 evaluations"
    )
    assert finding.advice.endswith("an early-stopping patience of at least 3")
    assert finding.hyperparameters == ("patience",)


def test_hp806_silent_on_a_steady_validation_curve_and_below_min_bumps():
    assert analyse("HP806", per_epoch(shapes.falling_train_per_epoch(), shapes.falling_validation())) is None
    # Rising after the best is overfitting (HP804), not noise: only the way down counts.
    assert analyse("HP806", per_epoch(shapes.falling_train_per_epoch(), shapes.overfitting_validation())) is None
    noisy = per_epoch(shapes.falling_train_per_epoch(18), shapes.NOISY_VALIDATION)
    assert analyse("HP806", noisy, **{"min-bumps": 4}) is None


# ---------------------------------------------------------------- every rule, on every shape


HEALTHY = log_of(shapes.run(shapes.healthy_train(300), shapes.falling_validation()))


@pytest.mark.parametrize("code", sorted(ANALYSES))
def test_a_healthy_run_has_no_findings(code):
    assert analyse(code, HEALTHY) is None


@pytest.mark.parametrize("code", sorted(ANALYSES))
def test_a_log_without_the_series_is_silent(code):
    empty = TrainingLog("run.csv", "CSV", COLUMNS, "step", (), ())
    assert analyse(code, empty) is None
