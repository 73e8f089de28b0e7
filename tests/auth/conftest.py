"""Custom-auth fixtures: a config.yaml in tmp_path naming a function module copied beside it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from gateway.stages import stages
from tests.conftest import auth, model_entry

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "custom_fns.py"
EXAMPLE = ROOT / "docs" / "custom_auth_example.py"
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
CUSTOM_KEY = "my-custom-key-888"


def write_config(folder: Path, general: dict[str, Any], model_list: list[dict[str, Any]]) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump({"model_list": model_list, "general_settings": general}))
    return path


@pytest.fixture
def custom_app(make_app, tmp_path, upstream):
    """An app whose config.yaml names `<module>.<function>`, with `source` copied beside it."""

    def factory(
        function: str, mode: str | None = None, source: Path = FIXTURE, module: str = "custom_fns"
    ) -> Flask:
        shutil.copy(source, tmp_path / f"{module}.py")
        general: dict[str, Any] = {"custom_auth": f"{module}.{function}"}
        if mode is not None:
            general["custom_auth_settings"] = {"mode": mode}
        models = [model_entry("gpt-4o", upstream.base), model_entry("other-model", upstream.base)]
        path = write_config(tmp_path, general, models)
        return make_app(yaml.safe_load(path.read_text()), CONFIG_FILE_PATH=str(path))

    return factory


def custom_calls(app: Flask) -> list[str | None] | None:
    """The api_key of every call the loaded function recorded; None when no custom link exists."""
    links = [link for link in stages(app).auth.links if link.name == "custom"]
    return links[0].fn.__globals__["CALLS"] if links else None


def post(app: Flask, key: str | None, body: dict[str, Any] = CHAT, path: str = "/chat/completions", **hdrs):
    headers = {**(auth(key) if key else {}), **hdrs}
    return app.test_client().post(path, json=body, headers=headers)
