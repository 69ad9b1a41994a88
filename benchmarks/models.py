"""Which small model to embed, by measurement: a prompt version run live on a GGUF over the corpus, scored.

    python -m benchmarks.models PROMPT [GGUF]      # default GGUF: the embedded SmolLM2-135M-Instruct

Runs one llama.cpp server at a time (nothing else should load the 2 cores meanwhile), with the same client
settings as `eightk extract` on the embedded model, and reports micro F1, precision, recall, the median
seconds per filing and prompt tokens per filing. A Gemma GGUF is served with the Gemma 3 chat format of
`benchmarks.gemma_chat` (the PyPI package's GGUF has no template of its own). Live, not replayed: nothing
is recorded, so the numbers describe this run of the model.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from benchmarks.common import report
from eightk.errors import ExtractionFailed
from eightk.evals.dataset import load_dataset
from eightk.evals.scorer import score_all
from eightk.extract.llm import Dialect, ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.server import EmbeddedServer
from eightk.prompts import load_prompt
from eightk.schemas import FilingExtraction


class GemmaServer(EmbeddedServer):
    def command(self) -> list[str]:
        return ["benchmarks.gemma_chat", *super().command()[1:]]


async def main(prompt: str, gguf: Path | None) -> None:
    samples = load_dataset(sources=["corpus"])
    server_class = GemmaServer if gguf is not None and "gemma" in gguf.name.lower() else EmbeddedServer
    version = load_prompt(prompt)
    scored: list[tuple[str, FilingExtraction, FilingExtraction]] = []
    seconds, tokens = [], []
    with server_class(gguf) as server:
        client = ModelClient(model=server.model_alias, base_url=server.base_url, api_key="embedded",
                             dialect=Dialect.llama_cpp, context_tokens=server.context_tokens, concurrency=1,
                             max_retries=0)  # fmt: skip
        try:
            for sample in samples:
                began = time.perf_counter()
                try:
                    result = await extract_filing(sample.filing, version, client)
                    predicted, used = result.extraction, result.usage.prompt_tokens
                except ExtractionFailed as error:
                    predicted, used = FilingExtraction(), error.prompt_tokens
                seconds.append(time.perf_counter() - began)
                tokens.append(used)
                scored.append((sample.id, sample.gold, predicted))
        finally:
            await client.aclose()
    micro = score_all(scored).micro
    row = [server.model_alias, prompt, micro.f1, micro.precision, micro.recall, statistics.median(seconds),
           sum(tokens) / len(tokens)]  # fmt: skip
    report(
        f"models-{server.model_alias}-{prompt}",
        f"{server.model_alias}, prompt {prompt}, live on the corpus ({len(samples)} filings)",
        ["model", "prompt", "micro F1", "P", "R", "median s/filing", "prompt tokens/filing"],
        [row],
        {
            "micro_f1": micro.f1,
            "precision": micro.precision,
            "recall": micro.recall,
            "median_s": statistics.median(seconds),
            "prompt_tokens": sum(tokens) / len(tokens),
        },
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else None))
