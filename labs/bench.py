"""Benchmarks of labs: starting a class of 20 pairs, resetting one seat and the whole class."""

import time

from . import services
from .definitions import LABS


def class_of_20_pairs():
    start = time.perf_counter()
    classroom = services.classroom_create(name="Bench", lab="lab2", size=20)
    created = time.perf_counter() - start
    runs = list(classroom.runs.select_related("account_a", "account_b"))
    start = time.perf_counter()
    services.lab_run_reset(run=runs[0])
    one_reset = time.perf_counter() - start
    start = time.perf_counter()
    for run in runs:
        services.lab_run_reset(run=run)
    all_reset = time.perf_counter() - start
    start = time.perf_counter()
    for run in runs:
        LABS[run.lab].progress(run)
    progress = time.perf_counter() - start
    return {
        "start a class of 20 pairs (Lab 2)": f"{created:.2f} s",
        "reset one pair": f"{one_reset * 1000:.0f} ms",
        "reset all 20 pairs": f"{all_reset:.2f} s",
        "check every step of 20 pairs (instructor view)": f"{progress * 1000:.0f} ms",
    }


BENCHMARKS = [("labs_class_of_20_pairs", class_of_20_pairs)]
