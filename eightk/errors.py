"""One exception tree: a caller catches `EightkError` for everything eightk refuses or cannot do.

Messages are written for the person reading them: they say what went wrong and what to do, without class
names or internal parameter names, so the CLI prints them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence


class EightkError(Exception):
    """Anything eightk refuses or cannot do."""


class InputError(EightkError, ValueError):
    """The input cannot be read as a filing (empty, binary, too large, not an 8-K, no such file)."""


class ConfigError(EightkError, ValueError):
    """A setting, option or name that eightk does not know (a prompt version, a sample, a folder)."""


class ServerError(EightkError):
    """The embedded model server could not be started; the message carries the end of its log."""


class EdgarError(EightkError):
    """EDGAR could not be reached, refused us, or kept failing after the retries."""


class ReplayMiss(EightkError):
    """A request that no cassette holds: the code or prompt changed since recording."""


class ModelError(EightkError):
    """A model call that produced nothing usable; carries what its attempts cost."""

    def __init__(self, message: str, *, attempts: int, prompt_tokens: int, completion_tokens: int) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class TransportError(ModelError):
    """The server could not be reached or kept failing (after the transport retries)."""


class UnreachableError(TransportError):
    """The server could not be connected to at all (refused, no route, no such host): it is down, not busy."""


class NoncompliantModelError(ModelError):
    """The model kept answering with output that does not validate, and nothing grounded could be salvaged."""


class ExtractionFailed(ModelError):
    """Every model call for a filing failed: nothing was extracted. `calls` says how each one failed."""

    def __init__(
        self, message: str, *, attempts: int, prompt_tokens: int, completion_tokens: int, calls: Sequence[object]
    ) -> None:
        super().__init__(message, attempts=attempts, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        self.calls = list(calls)


__all__ = [
    "ConfigError",
    "EdgarError",
    "EightkError",
    "ExtractionFailed",
    "InputError",
    "ModelError",
    "NoncompliantModelError",
    "ReplayMiss",
    "ServerError",
    "TransportError",
    "UnreachableError",
]
