"""The real `anthropic` SDK against a live gateway (gunicorn, gevent): a plain answer, a stream,
tool use and count_tokens, once through an anthropic/ deployment (the loopback server speaking
the Messages API, passed through) and once through an OpenAI-compatible one (translated)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anthropic
import pytest
import requests

from tests.conftest import MASTER, model_entry
from tests.support.anthropic_upstream import FakeAnthropic

WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
EVENT_ORDER = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
]


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def sdk(live_gateway, pg_url, upstream, fake_anthropic):
    models = [
        model_entry("gpt-4o", upstream.base),
        {
            "model_name": "claude",
            "litellm_params": {
                "model": "anthropic/claude-sonnet-4",
                "api_base": fake_anthropic.base,
                "api_key": "sk-ant-configured-0001",
            },
        },
    ]
    gw = live_gateway({"model_list": models}, {"DATABASE_URL": pg_url})
    return anthropic.Anthropic(base_url=gw.url, api_key=MASTER, max_retries=0, timeout=30)


def _kinds(events) -> list[str]:
    """Event types in order, repeats of one type collapsed (pings dropped)."""
    out: list[str] = []
    for e in events:
        if e.type != "ping" and (not out or out[-1] != e.type):
            out.append(e.type)
    return out


def test_the_sdk_through_an_anthropic_deployment(sdk, fake_anthropic):
    message = sdk.messages.create(model="claude", max_tokens=64, messages=ASK)
    assert message.content[0].text == "Hello from Claude" and message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 11 and message.usage.output_tokens == 6
    assert fake_anthropic.received[-1].json["model"] == "claude-sonnet-4"

    with sdk.messages.stream(model="claude", max_tokens=64, messages=ASK) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello from Claude" and final.usage.output_tokens == 6

    events = list(sdk.messages.create(model="claude", max_tokens=64, messages=ASK, stream=True))
    assert _kinds(events) == EVENT_ORDER

    fake_anthropic.behaviour.tool_call = {"name": "get_weather", "input": {"city": "Paris"}}
    used = sdk.messages.create(model="claude", max_tokens=64, messages=ASK, tools=[WEATHER])
    assert used.stop_reason == "tool_use" and used.content[-1].input == {"city": "Paris"}
    with sdk.messages.stream(model="claude", max_tokens=64, messages=ASK, tools=[WEATHER]) as stream:
        streamed = stream.get_final_message()
    assert streamed.content[-1].type == "tool_use" and streamed.content[-1].input == {"city": "Paris"}

    counted = sdk.messages.count_tokens(model="claude", messages=ASK)
    assert counted.input_tokens == 42


def test_the_sdk_through_an_openai_compatible_deployment(sdk, upstream):
    message = sdk.messages.create(model="gpt-4o", max_tokens=64, system="Be brief.", messages=ASK)
    assert message.content[0].text == "upstream A answers" and message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (7, 5)
    sent = upstream.received[-1].json
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."} and sent["max_tokens"] == 64

    with sdk.messages.stream(model="gpt-4o", max_tokens=64, messages=ASK) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "tok0 tok1 tok2 " and final.usage.output_tokens == 5 and final.usage.input_tokens == 7
    assert upstream.received[-1].json["stream_options"] == {"include_usage": True}

    events = list(sdk.messages.create(model="gpt-4o", max_tokens=64, messages=ASK, stream=True))
    assert _kinds(events) == EVENT_ORDER
    # The SDK skips pings: the wire shows where the gateway sent one (where Anthropic does).
    raw = requests.post(
        str(sdk.base_url).rstrip("/") + "/v1/messages",
        json={"model": "gpt-4o", "max_tokens": 8, "messages": ASK, "stream": True},
        headers={"x-api-key": MASTER},
        timeout=30,
    ).text
    names = [line[7:] for line in raw.splitlines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "content_block_start", "ping"] and names[-1] == "message_stop"

    upstream.behaviour.tool_call = {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}
    used = sdk.messages.create(model="gpt-4o", max_tokens=64, messages=ASK, tools=[WEATHER])
    assert used.stop_reason == "tool_use" and used.content[-1].name == "get_weather"
    assert used.content[-1].input == {"city": "Paris"}
    assert upstream.received[-1].json["tools"][0]["function"]["parameters"] == WEATHER["input_schema"]
    with sdk.messages.stream(model="gpt-4o", max_tokens=64, messages=ASK, tools=[WEATHER]) as stream:
        streamed = stream.get_final_message()
    kinds = [b.type for b in streamed.content]
    assert kinds == ["text", "tool_use"] and streamed.content[1].input == {"city": "Paris"}
    assert streamed.stop_reason == "tool_use"

    # The tool's result goes back as a `tool` message.
    turns = [
        *ASK,
        {"role": "assistant", "content": [b.model_dump() for b in used.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": used.content[-1].id, "content": "Sunny"}],
        },
    ]
    sdk.messages.create(model="gpt-4o", max_tokens=64, messages=turns, tools=[WEATHER])
    sent = upstream.received[-1].json["messages"]
    assert sent[1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    assert sent[2] == {"role": "tool", "tool_call_id": used.content[-1].id, "content": "Sunny"}

    assert sdk.messages.count_tokens(model="gpt-4o", messages=ASK).input_tokens > 0


def test_the_sdk_sees_its_own_error_classes(sdk, fake_anthropic):
    bad = anthropic.Anthropic(base_url=sdk.base_url, api_key="sk-wrong-key-0000", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as err:
        bad.messages.create(model="claude", max_tokens=8, messages=ASK)
    assert err.value.body["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.BadRequestError):
        sdk.messages.create(model="no-such-model", max_tokens=8, messages=ASK)
    fake_anthropic.behaviour.status = 529
    with pytest.raises(anthropic.InternalServerError) as err:
        sdk.messages.create(model="claude", max_tokens=8, messages=ASK)
    assert err.value.status_code == 529 and err.value.body["error"]["type"] == "overloaded_error"
