"""The whole eval suite (41 documents x 2 prompt versions) replayed from cassettes: wall time, twice; then a
third, profiled run that splits the time between eightk's own code and the libraries under it.

    python -m benchmarks.replay
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.frame import Frame

from benchmarks.common import RESULTS, report
from eightk.evals.baseline import summarize
from eightk.evals.runner import run_eval_sync

PROJECT = Path(__file__).resolve().parent.parent
OWN_PACKAGES = ("eightk",)
LIBRARY_GROUPS = {
    "vcrpy (cassette replay)": ("vcr", "wrapt", "yaml"),
    "instructor": ("instructor",),
    "openai SDK": ("openai",),
    "HTTP (httpx2, httpcore2, anyio)": ("httpx2", "httpcore2", "anyio", "h11", "sniffio"),
    "pydantic": ("pydantic", "pydantic_core"),
    "tenacity": ("tenacity",),
    "jinja2": ("jinja2", "markupsafe"),
}


STDLIB = "other (interpreter, stdlib called from the top)"


def group_of(file_path: str | None) -> str | None:
    """Which code a frame belongs to: eightk's own modules or a library group; None for the stdlib."""
    if not file_path:
        return None
    path = Path(file_path)
    if PROJECT in path.parents and ".venv" not in path.parts:
        parts = path.relative_to(PROJECT).parts
        return f"eightk ({parts[1]}/)" if parts[0] in OWN_PACKAGES and len(parts) > 2 else None
    if "site-packages" in path.parts:
        package = path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
        for group, packages in LIBRARY_GROUPS.items():
            if package in packages:
                return group
        return f"other libraries ({package})"
    return None


def self_time_by_group(frame: Frame, totals: defaultdict[str, float], owner: str = STDLIB) -> defaultdict[str, float]:
    """Self time per group; time in the stdlib (json, re, asyncio...) is charged to the code that called it."""
    owner = group_of(frame.file_path) or owner
    totals[owner] += frame.total_self_time
    for child in frame.children:
        self_time_by_group(child, totals, owner)
    return totals


def main() -> None:
    rows: list[list[object]] = []
    scores = []
    for attempt in (1, 2):
        started = time.perf_counter()
        runs = run_eval_sync(["v1", "v2", "v3"], sources=["corpus"])
        elapsed = time.perf_counter() - started
        scores.append({p: summarize(r) for p, r in runs.items()})
        documents = sum(len(r.results) for r in runs.values())
        calls = sum(len(res.calls) for r in runs.values() for res in r.results.values())
        rows.append([attempt, documents, calls, round(elapsed, 2)])
    identical = scores[0] == scores[1]
    report("replay", f"eval replay from cassettes (identical scores on both runs: {identical})",
           ["run", "documents", "calls", "seconds"], rows, {"identical": identical})  # fmt: skip

    profiler = Profiler(interval=0.0005)
    profiler.start()
    run_eval_sync(["v1", "v2", "v3"], sources=["corpus"])
    session = profiler.stop()
    profiler.write_html(RESULTS / "replay-profile.html")
    root = session.root_frame()
    totals = self_time_by_group(root, defaultdict(float)) if root else defaultdict(float)
    whole = sum(totals.values())
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    own = sum(seconds for group, seconds in totals.items() if group.startswith("eightk"))
    report(
        "replay-profile",
        f"where a replayed eval spends its time (profiled run; eightk's own code: {own / whole:.0%})",
        ["code", "seconds (self)", "share"],
        [[group, round(seconds, 2), f"{seconds / whole:.1%}"] for group, seconds in ranked],
        {"own_share": own / whole, "profile_html": str(RESULTS / "replay-profile.html")},
    )


if __name__ == "__main__":
    main()
