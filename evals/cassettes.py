"""HTTP cassettes of model exchanges: the eval suite replays them offline, byte for byte.

A request is stored as the hash of its body, never the body itself: the body holds filing text, which
must not be copied into the project. Replay matches on method, path and that hash, so every distinct
call (passage, prompt, re-ask) has its own recorded answer, and an unrecorded call fails loudly.
Credentials are filtered from requests; cassettes are JSON (a safe format to load).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import vcr
from vcr.request import Request

from eightk.errors import ConfigError
from eightk.evals.dataset import PROJECT_ROOT
from eightk.extract.settings import load_settings

CASSETTE_DIR = PROJECT_ROOT / "cassettes"  # the bundled eval set's recordings, in a checkout of the project
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie")
KEPT_RESPONSE_HEADERS = {"content-type", "retry-after"}


def body_digest(body: bytes | str | None) -> str:
    """A stable digest of a JSON request body (key order and whitespace do not matter)."""
    raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode("utf-8")
    except ValueError:
        canonical = raw
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def hash_request_body(request: Request) -> Request:
    """Replace the body by its digest; vcrpy applies this more than once to a request, so it is idempotent."""
    body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
    if body and not body.startswith("sha256:"):
        request.body = body_digest(body).encode("ascii")
    request.headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() in KEPT_RESPONSE_HEADERS}
    return response


def cassette_settings() -> dict[str, Any]:
    """How every eightk cassette is written and matched, whoever opens it: the runner, the eval tests, or a
    user's `@pytest.mark.vcr` test (as pytest-recording's `vcr_config`, see `eightk.testing`). No record mode:
    that is the caller's to choose (pytest-recording's `--record-mode`, `eightk eval --record-*`)."""
    return {
        "serializer": "json",
        "match_on": ["method", "path", "body"],
        "filter_headers": list(SECRET_HEADERS),
        "before_record_request": hash_request_body,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": True,
    }


def write_empty_cassette(path: Path) -> None:
    path.write_text(json.dumps({"version": 1, "interactions": []}, indent=4) + "\n", encoding="utf-8")


def cassette_root(cassettes: str | Path | None = None, gold: str | Path | None = None) -> Path:
    """Where an eval set's recordings live: the folder named (`--cassettes`, else EIGHTK_CASSETTES), else
    `cassettes/` beside the user's own gold folder (their recordings belong with their gold, not inside the
    installed package), else the project's."""
    named = cassettes if cassettes is not None else load_settings().cassettes
    if named is not None:
        return Path(named)
    if gold is not None:
        return Path(gold).resolve().parent / "cassettes"
    return CASSETTE_DIR


def writable_root(root: Path) -> Path:
    """`root`, unless it is the bundled folder of an installed package (no checkout): recording must not
    write into site-packages."""
    if root == CASSETTE_DIR and not root.is_dir():
        raise ConfigError(f"{root} is not a project checkout's cassettes folder; pass --cassettes DIR to record")
    return root


def cassette_name(model: str, prompt: str, doc_id: str) -> str:
    """A document's cassette under its root, without the suffix (pytest-recording's `default_cassette_name`)."""
    return f"{_slug(model)}/{prompt}/{doc_id}"


def cassette_path(model: str, prompt: str, doc_id: str, root: Path = CASSETTE_DIR) -> Path:
    return root / f"{cassette_name(model, prompt, doc_id)}.json"


def recorder(record: bool = False, **overrides: Any) -> vcr.VCR:
    """A VCR that records every request (`record`) or only replays, with eightk's cassette settings."""
    settings = {k: v for k, v in cassette_settings().items() if k != "allow_playback_repeats"}  # per cassette
    return vcr.VCR(record_mode="all" if record else "none", **{**settings, **overrides})


def _slug(model: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in model)
