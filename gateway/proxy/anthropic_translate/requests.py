"""Request bodies between OpenAI's chat completions and Anthropic's Messages API, both ways.

Fields with no counterpart are dropped (docs/anthropic.md lists them); a request the other side
cannot express (several choices, a content block it has no form for) is a 400 naming the field.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ...errors import BadRequest

DEFAULT_MAX_TOKENS = 4096  # Anthropic requires max_tokens; an OpenAI client may send none
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+);base64,(.*)", re.DOTALL)

# --- OpenAI chat → Anthropic messages --------------------------------------------------------


def _text_of(content: Any) -> str:
    """The text of a content that is a string or a list of text parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _image_block(part: dict, where: str) -> dict:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise BadRequest(f"`{where}.image_url.url` must be a URL.", param=where)
    found = _DATA_URL.fullmatch(url)
    if found:
        return {"type": "image", "source": {"type": "base64", "media_type": found[1], "data": found[2]}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _blocks(content: Any, where: str) -> list[dict]:
    """An OpenAI message content (a string or parts) as Anthropic content blocks."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list):
        raise BadRequest(f"`{where}` must be a string or a list of parts.", param=where)
    out = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            out.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "image_url":
            out.append(_image_block(part, f"{where}[{i}]"))
        else:
            raise BadRequest(f"`{where}[{i}]`: a {kind!r} part cannot be sent to this model.", param=where)
    return out


def _arguments(raw: Any) -> Any:
    if isinstance(raw, dict):
        return raw
    try:
        value = orjson.loads(raw or "{}")
    except (orjson.JSONDecodeError, TypeError):
        raise BadRequest("A tool call's `arguments` must be a JSON object.", param="messages") from None
    return value if isinstance(value, dict) else {"value": value}


def _message(m: dict, where: str) -> tuple[str, list[dict]]:
    role = m.get("role")
    if role == "user":
        return "user", _blocks(m.get("content"), f"{where}.content")
    if role == "assistant":
        blocks = _blocks(m.get("content"), f"{where}.content")
        for call in m.get("tool_calls") or []:
            if not isinstance(call, dict):
                raise BadRequest(f"`{where}.tool_calls` must be a list of objects.", param="messages")
            fn = call.get("function") or {}
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.get("id") or "toolu_gateway",
                    "name": fn.get("name", ""),
                    "input": _arguments(fn.get("arguments")),
                }
            )
        return "assistant", blocks
    if role in ("tool", "function"):
        result = {
            "type": "tool_result",
            "tool_use_id": m.get("tool_call_id") or m.get("name") or "",
            "content": _text_of(m.get("content")),
        }
        return "user", [result]
    raise BadRequest(f"`{where}.role` {role!r} is not a chat role.", param="messages")


def _tool(tool: Any, i: int) -> dict:
    fn = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(fn, dict) or not fn.get("name"):
        raise BadRequest(f"`tools[{i}]` must be a function tool with a name.", param="tools")
    out = {"name": fn["name"], "input_schema": fn.get("parameters") or {"type": "object", "properties": {}}}
    if fn.get("description"):
        out["description"] = fn["description"]
    return out


def _tool_choice(choice: Any, parallel: Any) -> dict | None:
    if choice is None and parallel is not False:
        return None
    if choice in (None, "auto"):
        out: dict[str, Any] = {"type": "auto"}
    elif choice == "none":
        out = {"type": "none"}
    elif choice == "required":
        out = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        out = {"type": "tool", "name": choice["function"].get("name", "")}
    else:
        raise BadRequest("`tool_choice` must be auto, none, required or a function.", param="tool_choice")
    if parallel is False and out["type"] != "none":
        out["disable_parallel_tool_use"] = True
    return out


def chat_to_messages(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat completion request as a Messages API request."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("`messages` must be a non-empty list.", param="messages")
    if body.get("n") not in (None, 1):
        raise BadRequest("`n` other than 1 cannot be sent to this model.", param="n")
    system: list[str] = []
    turns: list[dict] = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise BadRequest(f"`messages[{i}]` must be an object.", param="messages")
        if m.get("role") in ("system", "developer"):
            system.append(_text_of(m.get("content")))
            continue
        role, blocks = _message(m, f"messages[{i}]")
        if turns and turns[-1]["role"] == role:  # consecutive turns (tool results) are one turn
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    cap = body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_MAX_TOKENS
    out: dict[str, Any] = {"model": body.get("model"), "messages": turns, "max_tokens": cap}
    if system:
        out["system"] = "\n\n".join(system)
    for name in ("temperature", "top_p", "stream"):
        if body.get(name) is not None:
            out[name] = body[name]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    tools = body.get("tools")
    if tools:
        out["tools"] = [_tool(t, i) for i, t in enumerate(tools)]
    choice = _tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"))
    if choice is not None and tools:
        out["tool_choice"] = choice
    if isinstance(body.get("user"), str):
        out["metadata"] = {"user_id": body["user"]}
    return out


# --- Anthropic messages → OpenAI chat --------------------------------------------------------


def _image_part(block: dict, where: str) -> dict:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        url = f"data:{source.get('media_type')};base64,{source.get('data')}"
    elif source.get("type") == "url":
        url = source.get("url")
    else:
        raise BadRequest(f"`{where}.source` must be base64 or url.", param="messages")
    return {"type": "image_url", "image_url": {"url": url}}


def _turn(m: dict, where: str) -> list[dict]:
    """One Anthropic turn as OpenAI messages (tool results become `tool` messages, first)."""
    role, content = m.get("role"), m.get("content")
    if role not in ("user", "assistant"):
        raise BadRequest(f"`{where}.role` must be user or assistant.", param="messages")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    if not isinstance(content, list):
        raise BadRequest(f"`{where}.content` must be a string or a list of blocks.", param="messages")
    tools: list[dict] = []
    parts: list[dict] = []
    calls: list[dict] = []
    for i, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        at = f"{where}.content[{i}]"
        if kind == "text":
            parts.append({"type": "text", "text": str(block.get("text", ""))})
        elif kind == "image" and role == "user":
            parts.append(_image_part(block, at))
        elif kind == "tool_result" and role == "user":
            tools.append(
                {
                    "role": "tool",
                    "tool_call_id": block.get("tool_use_id", ""),
                    "content": _text_of(block.get("content")),
                }
            )
        elif kind == "tool_use" and role == "assistant":
            args = orjson.dumps(block.get("input") or {}).decode()
            calls.append(
                {
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {"name": block.get("name", ""), "arguments": args},
                }
            )
        elif kind in ("thinking", "redacted_thinking"):
            continue  # a model's own reasoning: no OpenAI-compatible server takes it back
        else:
            raise BadRequest(f"`{at}`: a {kind!r} block cannot be sent to this model.", param="messages")
    out = list(tools)
    if role == "assistant":
        text = "".join(p["text"] for p in parts)
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            message["tool_calls"] = calls
        if text or calls:
            out.append(message)
    elif parts:
        only_text = all(p["type"] == "text" for p in parts)
        out.append({"role": "user", "content": "".join(p["text"] for p in parts) if only_text else parts})
    return out


def _function(tool: Any, i: int) -> dict:
    if not isinstance(tool, dict) or tool.get("type") not in (None, "custom") or not tool.get("name"):
        raise BadRequest(
            f"`tools[{i}]`: only client tools (name, input_schema) can be sent to this model.", param="tools"
        )
    fn = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
    if tool.get("description"):
        fn["description"] = tool["description"]
    return {"type": "function", "function": fn}


def _choice(choice: Any) -> tuple[Any, bool]:
    """(OpenAI's tool_choice, whether parallel tool calls are off)."""
    if not isinstance(choice, dict):
        raise BadRequest("`tool_choice` must be an object with a `type`.", param="tool_choice")
    kind, off = choice.get("type"), choice.get("disable_parallel_tool_use") is True
    if kind == "auto":
        return "auto", off
    if kind == "any":
        return "required", off
    if kind == "none":
        return "none", off
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name", "")}}, off
    raise BadRequest("`tool_choice.type` must be auto, any, tool or none.", param="tool_choice")


def messages_to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """A Messages API request as an OpenAI chat completion request."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise BadRequest("`messages` must be a list.", param="messages")
    cap = body.get("max_tokens")
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        raise BadRequest("`max_tokens` is required and must be a positive integer.", param="max_tokens")
    out_messages: list[dict] = []
    system = body.get("system")
    if system:
        out_messages.append({"role": "system", "content": _text_of(system)})
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise BadRequest(f"`messages[{i}]` must be an object.", param="messages")
        out_messages.extend(_turn(m, f"messages[{i}]"))
    out: dict[str, Any] = {"model": body.get("model"), "messages": out_messages, "max_tokens": cap}
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            out[name] = body[name]
    if body.get("stop_sequences"):
        out["stop"] = body["stop_sequences"]
    if body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}  # the meter needs the tokens
    tools = body.get("tools")
    if tools:
        out["tools"] = [_function(t, i) for i, t in enumerate(tools)]
        if body.get("tool_choice") is not None:
            out["tool_choice"], off = _choice(body["tool_choice"])
            if off:
                out["parallel_tool_calls"] = False
    user = (body.get("metadata") or {}).get("user_id") if isinstance(body.get("metadata"), dict) else None
    if isinstance(user, str):
        out["user"] = user
    return out
