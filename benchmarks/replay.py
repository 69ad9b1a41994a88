"""The whole eval suite (41 documents x 2 prompt versions) replayed from cassettes: wall time, twice.

python -m benchmarks.replay
"""

from __future__ import annotations

import time

from benchmarks.common import report
from evals.baseline import summarize
from evals.runner import run_eval_sync


def main() -> None:
    rows = []
    scores = []
    for attempt in (1, 2):
        started = time.perf_counter()
        runs = run_eval_sync(["v1", "v2"])
        elapsed = time.perf_counter() - started
        scores.append({p: summarize(r) for p, r in runs.items()})
        documents = sum(len(r.results) for r in runs.values())
        calls = sum(len(res.calls) for r in runs.values() for res in r.results.values())
        rows.append([attempt, documents, calls, round(elapsed, 2)])
    identical = scores[0] == scores[1]
    report("replay", f"eval replay from cassettes (identical scores on both runs: {identical})",
           ["run", "documents", "calls", "seconds"], rows, {"identical": identical})  # fmt: skip


if __name__ == "__main__":
    main()
