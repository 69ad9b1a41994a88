"""Prompt versions: each a YAML file of Jinja2 templates, few-shot examples and the strategy they assume.

A version reads the record kinds it has a `sections` entry for (the kind's instructions, rendered where the
template says `{{ section }}`), or, reading whole filings, the kinds it lists under `kinds`. A kind without
a section is an error, never another kind's instructions.

A version is data, not code, so two versions can be diffed, hashed and compared in an eval; everything a
result needs to say which prompt produced it is `PromptVersion.name` and `PromptVersion.sha256`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml

from eightk.errors import ConfigError

PROMPT_DIR = Path(__file__).resolve().parent
# The version `extract()` and the CLI use unless told (or EIGHTK_PROMPT says: `eightk.extract.settings`)
# otherwise: the one that scores best on the eval set (README, "Prompt versions").
DEFAULT_PROMPT = "v3"
Strategy = Literal["whole_filing", "passages", "questions"]
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)  # noqa: S701 (prompts are not HTML)
_template = cache(_ENV.from_string)  # compiling a template costs more than rendering it
_REQUIRED = ("name", "description", "strategy", "system", "user")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Example:
    passage: str
    output: dict[str, Any]
    subject: str = ""  # for a question about one person (`questions` strategy)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: `load_prompt` returns one per file
class PromptVersion:
    name: str
    description: str
    strategy: Strategy
    system: str
    user: str
    sha256: str
    kinds: tuple[str, ...] = ()  # the record kinds this version reads
    sections: dict[str, str] = field(default_factory=dict)  # per kind: its instructions (`{{ section }}`)
    examples: dict[str, list[Example]] = field(default_factory=dict)
    window_tokens: int = 1500
    passage_tokens: int = 400
    passages_per_kind: int = 3
    questions: dict[str, str] = field(default_factory=dict)  # per kind: the question (`{{ subject }}`)

    def messages(
        self,
        *,
        kind: str | None,
        passage: str,
        schema: dict[str, Any],
        subject: str = "",
        options: str = "",
        example_options: list[str] | None = None,
    ) -> list[dict[str, str]]:
        """System prompt, the worked examples as earlier turns, then the passage to read.

        A question about a subject comes after the passage and its options, so calls about several people of
        one passage share everything before it (a server's prompt cache reuses it)."""
        if kind is not None and kind not in self.kinds:
            raise ConfigError(f"prompt {self.name} has no section for record kind {kind!r}")
        variables = {"kind": kind, "section": self.sections.get(kind or "", ""),
                     "schema": json.dumps(schema, separators=(",", ":"))}  # fmt: skip
        messages = [{"role": "system", "content": _template(self.system).render(**variables).strip()}]
        for index, example in enumerate(self.examples.get(kind or "", [])):
            shown = example_options[index] if example_options else ""
            messages.append({"role": "user", "content": self._user(example.passage, variables, example.subject, shown)})
            messages.append({"role": "assistant", "content": json.dumps(example.output)})
        messages.append({"role": "user", "content": self._user(passage, variables, subject, options)})
        return messages

    def _user(self, passage: str, variables: dict[str, Any], subject: str = "", options: str = "") -> str:
        question = _template(self.questions.get(variables["kind"] or "", "")).render(subject=subject).strip()
        return _template(self.user).render(passage=passage, options=options, question=question, **variables).strip()


def _read_version(path: Path, raw: bytes) -> dict[str, Any]:
    """The YAML of a prompt version, refused in one line when it is not one or takes a bundled version's name."""
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not YAML: {str(error).splitlines()[0]}") from None
    missing = [key for key in _REQUIRED if not isinstance(data, dict) or key not in data]
    if missing:
        raise ConfigError(f"{path} is not a prompt version: it has no {', '.join(missing)}")
    name = str(data["name"])
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{path}: name {name!r} must be letters, digits, '.', '_' or '-' (it names a folder)")
    bundled = PROMPT_DIR / f"{name}.yaml"
    if bundled.is_file() and bundled.resolve() != path.resolve() and bundled.read_bytes() != raw:
        raise ConfigError(
            f"{path} is named {name!r} like the bundled version, but differs from it: give it its own `name:` "
            "(its recordings and logs are filed under that name)"
        )
    return dict(data)


def available_prompts() -> list[str]:
    return sorted(path.stem for path in PROMPT_DIR.glob("*.yaml"))


@cache
def load_prompt(name_or_path: str) -> PromptVersion:
    """A bundled version by name ("v2"), or a user's own prompt file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROMPT_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown prompt version {name_or_path!r}; available: {', '.join(available_prompts())}")
    raw = path.read_bytes()
    data = _read_version(path, raw)
    sections = {kind: text.strip() for kind, text in (data.get("sections") or {}).items()}
    return PromptVersion(
        name=data["name"],
        description=" ".join(data["description"].split()),
        strategy=data["strategy"],
        system=data["system"],
        user=data["user"],
        sha256=hashlib.sha256(raw).hexdigest(),
        kinds=tuple(data.get("kinds") or sections),
        sections=sections,
        examples={
            kind: [
                Example(passage=" ".join(e["passage"].split()), output=e["output"], subject=e.get("subject", ""))
                for e in examples
            ]
            for kind, examples in (data.get("examples") or {}).items()
        },
        window_tokens=data.get("window_tokens", 1500),
        passage_tokens=data.get("passage_tokens", 400),
        passages_per_kind=data.get("passages_per_kind", 3),
        questions={kind: text.strip() for kind, text in (data.get("questions") or {}).items()},
    )
