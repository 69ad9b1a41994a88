"""What each prompt version sends, measured without a model: passage recall, calls and prompt tokens.

Passage recall is the share of gold records whose evidence lies in a passage sent for their kind: what no
model can extract is lost before any model is asked. Prompt tokens are counted with the embedded model's
own tokenizer (its GGUF vocabulary, no weights evaluated) over every message of every planned call, plus a
few tokens per message for the chat template; the eval's recorded usage is the real figure, this is the
one that needs no recording, so passage selection can be tuned in seconds.

    python -m benchmarks.passages [--prompt v1 --prompt v2] [--docs GLOB]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

from benchmarks.common import report
from eightk.evals.dataset import load_dataset
from eightk.evals.recall import passage_recall
from eightk.extract.planning import plan_calls
from eightk.extract.server import DEFAULT_CONTEXT_TOKENS, default_model_path
from eightk.prompts import load_prompt

TEMPLATE_TOKENS_PER_MESSAGE = 5  # "<|im_start|>role\n ... <|im_end|>\n" around each message


def tokenizer() -> Callable[[str], int]:
    from llama_cpp import Llama

    vocabulary = Llama(model_path=str(default_model_path()), vocab_only=True, verbose=False)
    return lambda text: len(vocabulary.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt", action="append", help="prompt versions (default v1 and v2)")
    parser.add_argument("--docs", default="*", help="glob on document ids")
    args = parser.parse_args()
    count = tokenizer()
    samples = load_dataset(pattern=args.docs)
    rows: list[list[object]] = []
    extra: dict[str, dict[str, object]] = {}
    misses: dict[str, list[str]] = {}
    for name in args.prompt or ["v1", "v2", "v3"]:
        version = load_prompt(name)
        found = total = 0
        calls: list[int] = []
        tokens: list[int] = []
        misses[name] = []
        for sample in samples:
            planned = plan_calls(sample.filing.text, version, DEFAULT_CONTEXT_TOKENS)
            hit, records = passage_recall(
                sample.gold, ((c.passage.kind, c.passage.start, c.passage.end) for c in planned)
            )
            found, total = found + hit, total + records
            if hit < records:
                misses[name].append(f"{sample.id}: {records - hit} of {records}")
            calls.append(len(planned))
            tokens.append(sum(count(m["content"]) + TEMPLATE_TOKENS_PER_MESSAGE for c in planned for m in c.messages))
        recall = found / total if total else 1.0
        rows.append([name, len(samples), f"{found}/{total}", recall, statistics.mean(calls), statistics.mean(tokens)])
        extra[name] = {
            "recall": recall,
            "records": total,
            "misses": misses[name],
            "tokens_per_filing": statistics.mean(tokens),
        }
    report(
        "passages",
        "what each prompt version sends (planned, no model): passage recall on gold, calls and prompt tokens",
        ["prompt", "filings", "gold records sent", "passage recall", "calls/filing", "prompt tokens/filing"],
        rows,
        extra,
    )
    for name, missed in misses.items():
        for miss in missed:
            print(f"{name} missed: {miss}")


if __name__ == "__main__":
    main()
