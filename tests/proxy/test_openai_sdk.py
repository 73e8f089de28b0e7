"""The openai SDK against a live gateway (gunicorn, gevent) for the routes beyond chat."""

from __future__ import annotations

import io

import openai

from tests.conftest import MASTER, model_entry


def test_openai_sdk_calls_images_audio_moderations_and_responses(live_gateway, pg_url, upstream):
    models = [
        model_entry("gpt-4o", upstream.base),
        {"model_name": "whisper", "litellm_params": {"model": "openai/whisper-1", "api_base": upstream.base}},
    ]
    gw = live_gateway({"model_list": models}, {"DATABASE_URL": pg_url})
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=MASTER, max_retries=0, timeout=30)

    assert client.images.generate(model="gpt-4o", prompt="a cat").data[0].url
    speech = client.audio.speech.create(model="gpt-4o", voice="alloy", input="hello")
    assert speech.read().startswith(b"ID3")
    heard = client.audio.transcriptions.create(
        model="whisper", file=("a.wav", io.BytesIO(b"RIFF\x00\r\n--x"), "audio/wav")
    )
    assert heard.text == "upstream A heard you"
    assert b"whisper-1" in upstream.received[-1].body and b"RIFF\x00\r\n--x" in upstream.received[-1].body
    assert client.moderations.create(model="gpt-4o", input="hello").results[0].flagged is False
    assert client.responses.create(model="gpt-4o", input="hello").output_text == "upstream A answers"
    deltas = [
        e.delta
        for e in client.responses.create(model="gpt-4o", input="hi", stream=True)
        if e.type == "response.output_text.delta"
    ]
    assert deltas == ["tok0 "]
    with_bad_key = openai.OpenAI(base_url=gw.url + "/v1", api_key="sk-wrong", max_retries=0)
    try:
        with_bad_key.moderations.create(model="gpt-4o", input="x")
        raise AssertionError("a wrong key was accepted")
    except openai.AuthenticationError as exc:
        assert exc.status_code == 401
