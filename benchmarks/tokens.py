"""Prompt and completion tokens per filing for each prompt version, from the recorded eval run, against a
naive baseline: one call with the whole filing and the whole FilingExtraction schema.

The baseline's prompt tokens are counted with the embedded model's own tokenizer (llama.cpp, vocabulary
only: no weights are evaluated), on exactly the messages it would send.

    python -m benchmarks.tokens
"""

from __future__ import annotations

import json
import statistics

from llama_cpp import Llama

from benchmarks.common import report
from evals.dataset import load_dataset
from evals.runner import run_eval_sync
from extract.server import default_model_path
from schemas import FilingExtraction

NAIVE_SYSTEM = "Extract every deal and every appointment in this SEC 8-K filing as JSON matching this schema:\n"


def main() -> None:
    tokenizer = Llama(model_path=str(default_model_path()), vocab_only=True, verbose=False)
    schema = json.dumps(FilingExtraction.model_json_schema())
    naive = []
    for sample in load_dataset():
        prompt = NAIVE_SYSTEM + schema + "\n\n" + sample.filing.text
        naive.append(len(tokenizer.tokenize(prompt.encode("utf-8"), add_bos=True)))
    runs = run_eval_sync(["v1", "v2"])
    rows = [["naive (whole filing + whole schema, 1 call)", statistics.mean(naive), 0.0, 1.0, "-"]]
    for prompt, run in runs.items():
        usage = [r.usage for r in run.results.values()]
        rows.append([
            f"{prompt} (all attempts)",
            statistics.mean(u.prompt_tokens for u in usage),
            statistics.mean(u.completion_tokens for u in usage),
            statistics.mean(u.calls for u in usage),
            f"{run.report.micro.f1:.3f}",
        ])  # fmt: skip
    ratio = rows[2][1] / rows[0][1]
    report("tokens", f"tokens per filing, mean over 41 filings (v2 prompt tokens = {ratio:.2f} x naive)",
           ["strategy", "prompt tokens", "completion tokens", "calls", "micro F1"], rows,
           {"naive_prompt_tokens": naive, "v2_to_naive_ratio": ratio})  # fmt: skip


if __name__ == "__main__":
    main()
