"""Images, audio, moderation and the Responses API proxy like chat: auth, limits, metering; the
transcription form's bytes go upstream as sent, only the model renamed."""

from __future__ import annotations

import io

import pytest

from tests.conftest import auth, model_entry
from tests.keys.conftest import Admin
from tests.usage.conftest import rows, ship_and_flush

JSON_OPS = {
    "/images/generations": {"prompt": "a cat"},
    "/audio/speech": {"input": "hello", "voice": "alloy"},
    "/moderations": {"input": "hello"},
    "/responses": {"input": "hello"},
}
AUDIO = bytes(range(256)) * 40  # a binary "file": every byte value, CR and LF included


@pytest.fixture
def oapp(make_app, upstream, redis_url):
    models = [
        model_entry("gpt-4o", upstream.base),
        {
            "model_name": "whisper",
            "litellm_params": {"model": "openai/whisper-1", "api_base": upstream.base, "api_key": "up-key"},
        },
    ]
    return make_app({"model_list": models}, env={"REDIS_URL": redis_url})


@pytest.mark.parametrize("prefix", ["", "/v1"])
@pytest.mark.parametrize("op", sorted(JSON_OPS))
def test_json_ops_are_proxied_with_the_deployment_key(oapp, upstream, prefix, op):
    client = oapp.test_client()
    body = {"model": "gpt-4o", **JSON_OPS[op]}
    assert client.post(prefix + op, json=body).status_code == 401
    resp = client.post(prefix + op, json=body, headers=auth())
    assert resp.status_code == 200, resp.data
    assert len(resp.headers["X-Request-Id"]) == 32
    sent = upstream.received[-1]
    assert sent.path == "/v1" + op and sent.headers["authorization"] == "Bearer upstream-secret"
    assert sent.json == body  # as sent: no stream_options or other additions
    if op == "/audio/speech":
        assert resp.mimetype == "audio/mpeg" and resp.data.startswith(b"ID3")


def test_new_ops_are_metered_in_their_own_usage_words(oapp, upstream):
    client = oapp.test_client()
    key = Admin(client).generate()["key"]
    for op, extra in JSON_OPS.items():
        assert client.post(op, json={"model": "gpt-4o", **extra}, headers=auth(key)).status_code == 200
    ship_and_flush(oapp)
    got = {
        r.request_id: (r.prompt_tokens, r.completion_tokens, r.status)
        for r in rows(oapp, "SELECT request_id, prompt_tokens, completion_tokens, status FROM usage_logs")
    }
    assert len(got) == 4
    # images and /responses report input/output tokens; speech and moderation report none
    assert sorted(got.values()) == [(0, 0, 200), (0, 0, 200), (7, 5, 200), (7, 5, 200)]


def test_streamed_response_is_relayed_and_metered_from_its_last_event(oapp, upstream):
    client = oapp.test_client()
    resp = client.post(
        "/v1/responses", json={"model": "gpt-4o", "input": "hi", "stream": True}, headers=auth()
    )
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    text = resp.get_data(as_text=True)
    assert "response.output_text.delta" in text and "response.completed" in text
    assert "stream_options" not in upstream.received[-1].json  # the Responses API refuses it
    ship_and_flush(oapp)
    assert rows(oapp, "SELECT prompt_tokens, completion_tokens FROM usage_logs")[0] == (7, 5)


def test_transcription_forwards_the_form_bytes_with_the_model_renamed(oapp, upstream):
    client = oapp.test_client()
    form = {"model": "whisper", "language": "en", "file": (io.BytesIO(AUDIO), "a.wav", "audio/wav")}
    resp = client.post(
        "/v1/audio/transcriptions", data=form, headers=auth(), content_type="multipart/form-data"
    )
    assert resp.status_code == 200, resp.data
    assert resp.json["text"] == "upstream A heard you"
    sent = upstream.received[-1]
    assert sent.path == "/v1/audio/transcriptions" and sent.headers["authorization"] == "Bearer up-key"
    ctype = sent.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    assert AUDIO in sent.body and b'name="language"\r\n\r\nen\r\n' in sent.body
    assert b'name="model"\r\n\r\nwhisper-1\r\n' in sent.body and b"\r\n\r\nwhisper\r\n" not in sent.body
    ship_and_flush(oapp)
    assert rows(oapp, "SELECT model, prompt_tokens FROM usage_logs")[0] == ("whisper", 7)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"json": {"model": "whisper"}}, "multipart/form-data"),
        ({"data": {"model": "whisper"}, "content_type": "multipart/form-data"}, "`file`"),
        ({"data": {"file": (io.BytesIO(b"x"), "a.wav")}, "content_type": "multipart/form-data"}, "`model`"),
        (
            {
                "data": {"model": "whisper", "api_key": "mine", "file": (io.BytesIO(b"x"), "a.wav")},
                "content_type": "multipart/form-data",
            },
            "`api_key`",
        ),
    ],
)
def test_a_bad_transcription_form_is_a_clear_400(oapp, upstream, kwargs, words):
    resp = oapp.test_client().post("/audio/transcriptions", headers=auth(), **kwargs)
    assert resp.status_code == 400 and words in resp.json["error"]["message"]
    assert upstream.received == []


def test_a_key_without_the_model_may_not_use_it_on_new_routes(oapp, upstream):
    client = oapp.test_client()
    key = Admin(client).generate(models=["whisper"])["key"]
    resp = client.post("/v1/images/generations", json={"model": "gpt-4o", "prompt": "x"}, headers=auth(key))
    assert resp.status_code == 403 and resp.json["error"]["param"] == "model"
    assert upstream.received == []
