"""HP905 max-batch: the largest batch that fits device memory, with samples/s per batch size (CUDA only)."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Mapping
from typing import Any

import torch

from hplint.probe import batch_search
from hplint.probe.spec import CheckResult
from hplint.probe.workbench import Workbench

BATCH_STEPS = 3  # optimizer steps per batch-size trial: the first allocates gradients and optimizer state


def max_batch(bench: Workbench, options: Mapping[str, Any]) -> CheckResult:
    configured = int(bench.batch_size.value) if bench.batch_size else None
    source = bench.batch_size.source if bench.batch_size else ""
    if bench.device.type != "cuda":
        reason = "skipped on CPU: running out of memory there kills the process instead of raising an error"
        return CheckResult("HP905", "skip", "-", batch_search.expectation(configured), reason)
    margin = float(options["margin"])
    trainee = bench.fresh()
    optimizer = bench.optimizer(trainee)
    peak_bytes: dict[int, int] = {}

    def trial(size: int) -> float | None:
        torch.cuda.reset_peak_memory_stats(bench.device)
        rate = _timed_steps(bench, trainee.model, optimizer, size)
        if rate is not None:
            peak_bytes[size] = torch.cuda.max_memory_allocated(bench.device)
        _free_memory(optimizer)
        return rate

    cap_seconds, started = bench.time_cap("HP905"), time.perf_counter()
    cap = max(batch_search.CAP, 2 ** math.ceil(math.log2(configured))) if configured else batch_search.CAP
    search = batch_search.search_max_batch(
        trial, cap=cap, out_of_time=lambda: time.perf_counter() - started > cap_seconds
    )
    device_name = torch.cuda.get_device_name(bench.device)
    total = torch.cuda.get_device_properties(bench.device).total_memory
    memory = f"the {total / 2**30:.0f} GiB of {device_name} with {type(optimizer).__name__}"
    result = batch_search.judge(search, trial, configured, source, margin, memory)
    result.details.update({
        "peak_bytes": {str(size): value for size, value in sorted(peak_bytes.items())},
        "device_bytes": total, "device_name": device_name,
    })
    return result


def _timed_steps(bench: Workbench, model: torch.nn.Module, optimizer: torch.optim.Optimizer, size: int) -> float | None:
    """Samples/s over the last steps of BATCH_STEPS real optimizer steps; None when memory ran out."""
    try:
        batch = bench.sized_batch(size)
        times = []
        for _ in range(BATCH_STEPS):
            torch.cuda.synchronize(bench.device)
            started = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            bench.loss(model, batch).backward()
            optimizer.step()
            torch.cuda.synchronize(bench.device)
            times.append(time.perf_counter() - started)
        return size * (BATCH_STEPS - 1) / max(sum(times[1:]), 1e-9)
    except RuntimeError as error:  # torch.cuda.OutOfMemoryError is a RuntimeError
        if not _is_out_of_memory(error):
            raise
    # Returning drops this frame's tensors; the exception (and the frames it holds) is gone already.
    return None


def _is_out_of_memory(error: BaseException) -> bool:
    out_of_memory = getattr(torch.cuda, "OutOfMemoryError", None)
    return (out_of_memory is not None and isinstance(error, out_of_memory)) or "out of memory" in str(error)


def _free_memory(optimizer: torch.optim.Optimizer) -> None:
    optimizer.zero_grad(set_to_none=True)
    gc.collect()
    torch.cuda.empty_cache()
