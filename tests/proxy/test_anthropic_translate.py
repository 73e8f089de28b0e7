"""The openai SDK against an anthropic/ deployment (chat completions translated to the Messages
API and back, streaming and tools), and the translation's rules on request bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest

from gateway.errors import BadRequest
from gateway.proxy.anthropic_translate.requests import chat_to_messages, messages_to_chat
from tests.conftest import MASTER
from tests.support.anthropic_upstream import FakeAnthropic

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
PNG = "iVBORw0KGgo="


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def oai(live_gateway, pg_url, fake_anthropic):
    entry = {
        "model_name": "claude",
        "litellm_params": {
            "model": "anthropic/claude-sonnet-4",
            "api_base": fake_anthropic.base,
            "api_key": "sk-ant-k-0001",
        },
    }
    gw = live_gateway({"model_list": [entry]}, {"DATABASE_URL": pg_url})
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=MASTER, max_retries=0, timeout=30)


def test_the_openai_sdk_through_an_anthropic_deployment(oai, fake_anthropic):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    done = oai.chat.completions.create(model="claude", messages=messages, stop="END")
    assert done.choices[0].message.content == "Hello from Claude" and done.choices[0].finish_reason == "stop"
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (11, 6)
    sent = fake_anthropic.received[-1]
    assert sent.path == "/v1/messages" and sent.headers["x-api-key"] == "sk-ant-k-0001"
    assert sent.json["system"] == "Be brief." and sent.json["stop_sequences"] == ["END"]
    assert sent.json["max_tokens"] == 4096 and sent.json["model"] == "claude-sonnet-4"

    chunks = list(oai.chat.completions.create(model="claude", messages=messages, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello from Claude"
    assert chunks[-1].choices[0].finish_reason == "stop"
    with_usage = list(
        oai.chat.completions.create(
            model="claude", messages=messages, stream=True, stream_options={"include_usage": True}
        )
    )
    assert with_usage[-1].choices == [] and with_usage[-1].usage.completion_tokens == 6


def test_tools_through_an_anthropic_deployment(oai, fake_anthropic):
    fake_anthropic.behaviour.tool_call = {"name": "get_weather", "input": {"city": "Paris"}}
    ask = [{"role": "user", "content": "weather in Paris?"}]
    done = oai.chat.completions.create(model="claude", messages=ask, tools=[TOOL], tool_choice="required")
    choice = done.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content == "Let me check."
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    sent = fake_anthropic.received[-1].json
    assert sent["tools"][0] == {
        "name": "get_weather",
        "input_schema": TOOL["function"]["parameters"],
        "description": "The weather in a city",
    }
    assert sent["tool_choice"] == {"type": "any"}

    chunks = list(oai.chat.completions.create(model="claude", messages=ask, tools=[TOOL], stream=True))
    args = "".join(
        tc.function.arguments or "" for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []
    )
    names = [
        tc.function.name for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or [] if tc.id
    ]
    assert names == ["get_weather"] and json.loads(args) == {"city": "Paris"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    # The answer goes back: the assistant's tool call and the tool's result become Anthropic blocks.
    follow = [
        *ask,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny"},
    ]
    oai.chat.completions.create(model="claude", messages=follow, tools=[TOOL])
    turns = fake_anthropic.received[-1].json["messages"]
    assert turns[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": call.id, "name": "get_weather", "input": {"city": "Paris"}}],
    }
    assert turns[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "Sunny"}],
    }


def test_chat_parts_and_images_become_anthropic_blocks():
    body = {
        "model": "m",
        "max_tokens": 9,
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Rules."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
                ],
            },
        ],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "tools": [TOOL],
        "parallel_tool_calls": False,
        "user": "u-1",
    }
    out = chat_to_messages(body)
    assert out["system"] == "Rules." and out["max_tokens"] == 9 and out["metadata"] == {"user_id": "u-1"}
    assert out["messages"][0]["content"][1:] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}},
    ]
    assert out["tool_choice"] == {"type": "tool", "name": "f", "disable_parallel_tool_use": True}


def test_anthropic_blocks_and_images_become_chat_parts():
    body = {
        "model": "m",
        "max_tokens": 9,
        "system": [{"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}}],
        "stop_sequences": ["X"],
        "tool_choice": {"type": "tool", "name": "f", "disable_parallel_tool_use": True},
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "See:"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                ],
            }
        ],
    }
    out = messages_to_chat(body)
    assert out["messages"][0] == {"role": "system", "content": "Rules."}
    assert out["messages"][1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{PNG}"},
    }
    assert out["stop"] == ["X"] and out["parallel_tool_calls"] is False
    assert out["tool_choice"] == {"type": "function", "function": {"name": "f"}}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "user", "content": [{"type": "document", "source": {}}]}]}, "messages"),
        ({"messages": [], "tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "tools"),
        ({"messages": [{"role": "system", "content": "x"}]}, "messages"),
    ],
)
def test_what_an_openai_server_cannot_take_is_a_400_naming_it(body, param):
    with pytest.raises(BadRequest) as err:
        messages_to_chat({"model": "m", "max_tokens": 5, **body})
    assert err.value.param == param
