"""Fixtures for key tests: an app with two mock models, and helpers to call /key/* as admin."""

from __future__ import annotations

import pytest

from tests.conftest import auth

MODELS = {
    "model_list": [
        {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "mock_response": "four-oh"}},
        {"model_name": "gpt-mini", "litellm_params": {"model": "openai/gpt-mini", "mock_response": "mini"}},
    ]
}


@pytest.fixture
def kapp(make_app):
    return make_app(MODELS)


@pytest.fixture
def kclient(kapp):
    return kapp.test_client()


class Admin:
    def __init__(self, client) -> None:
        self.client = client

    def post(self, path: str, body: dict, status: int = 200) -> dict:
        resp = self.client.post(path, json=body, headers=auth())
        assert resp.status_code == status, resp.json
        return resp.json

    def get(self, path: str, status: int = 200, **params: str) -> dict:
        resp = self.client.get(path, query_string=params, headers=auth())
        assert resp.status_code == status, resp.json
        return resp.json

    def generate(self, **body) -> dict:
        return self.post("/key/generate", body)


@pytest.fixture
def admin(kclient) -> Admin:
    return Admin(kclient)


def chat(client, key: str, model: str = "gpt-4o", header: str = "Authorization"):
    value = f"Bearer {key}" if header == "Authorization" else key
    return client.post("/v1/chat/completions", json={"model": model, "messages": []}, headers={header: value})
