"""`mock_response`: JSON, stream and embeddings answered with no upstream at all."""

from __future__ import annotations

import json

from tests.conftest import auth

MOCK = {
    "model_list": [
        {
            "model_name": "gpt-4o",
            "litellm_params": {"model": "openai/gpt-4o", "mock_response": "Hello there friend"},
        },
        {"model_name": "emb", "litellm_params": {"model": "openai/emb", "mock_response": "x"}},
    ]
}


def test_mock_json(make_app):
    client = make_app(MOCK).test_client()
    resp = client.post(
        "/v1/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "a b c"}]},
        headers=auth(),
    )
    assert resp.status_code == 200
    body = resp.json
    assert body["object"] == "chat.completion" and body["model"] == "gpt-4o"
    assert body["choices"][0]["message"]["content"] == "Hello there friend"
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}


def test_mock_stream_ends_with_done(make_app):
    client = make_app(MOCK).test_client()
    resp = client.post(
        "/chat/completions",
        json={
            "model": "gpt-4o",
            "messages": [],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        headers=auth(),
    )
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = [e for e in resp.get_data().split(b"\n\n") if e]
    assert events[-1] == b"data: [DONE]"
    chunks = [json.loads(e[6:]) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "Hello there friend"
    assert chunks[-1]["usage"]["completion_tokens"] == 3


def test_mock_completions_and_embeddings(make_app):
    client = make_app(MOCK).test_client()
    text = client.post("/completions", json={"model": "gpt-4o", "prompt": "p"}, headers=auth()).json
    assert text["object"] == "text_completion" and text["choices"][0]["text"] == "Hello there friend"
    emb = client.post("/embeddings", json={"model": "emb", "input": ["a", "b"]}, headers=auth()).json
    assert [d["index"] for d in emb["data"]] == [0, 1] and len(emb["data"][0]["embedding"]) == 8
