"""The providers a `model` of model_list may name (`openai/gpt-4o`), their defaults, and the split."""

from __future__ import annotations

# OpenAI-compatible providers and their default api_base (None: api_base is required).
OPENAI_COMPATIBLE: dict[str, str | None] = {
    "openai": "https://api.openai.com/v1",
    "text-completion-openai": "https://api.openai.com/v1",
    "custom_openai": None,
    "openai_like": None,
    "hosted_vllm": None,
    "vllm": None,
    "lm_studio": None,
    "llamafile": None,
    "xinference": None,
    "ollama": None,
    "ollama_chat": None,
    "groq": "https://api.groq.com/openai/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "together_ai": "https://api.together.xyz/v1",
    "fireworks_ai": "https://api.fireworks.ai/inference/v1",
    "mistral": "https://api.mistral.ai/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "xai": "https://api.x.ai/v1",
    "perplexity": "https://api.perplexity.ai",
    "deepinfra": "https://api.deepinfra.com/v1/openai",
    # Google's OpenAI-compatible endpoint for Gemini (the key goes as a Bearer token).
    "gemini": "https://generativelanguage.googleapis.com/v1beta/openai",
}
# Anthropic's Messages API (docs/anthropic.md): /v1/messages passed through, chat translated.
ANTHROPIC_BASE = "https://api.anthropic.com"
DEFAULT_BASE: dict[str, str | None] = {**OPENAI_COMPATIBLE, "anthropic": ANTHROPIC_BASE}
PROVIDERS = frozenset(DEFAULT_BASE) | {"azure"}
# LiteLLM providers that speak their own protocol, not OpenAI's: refused at start-up by name.
NOT_SUPPORTED = frozenset({"bedrock", "vertex_ai", "vertex_ai_beta", "sagemaker", "cohere"})
# The environment variable a provider's api_key defaults to, as in LiteLLM.
KEY_ENV = {"openai": "OPENAI_API_KEY", "gemini": "GEMINI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
SUPPORTED = ", ".join(
    f"{p}/"
    for p in (
        "openai",
        "azure",
        "gemini",
        "anthropic",
        *sorted(set(OPENAI_COMPATIBLE) - {"openai", "gemini"}),
    )
)


def split_model(model: str) -> tuple[str, str] | None:
    """`provider/upstream-model` (no provider: openai), or None when the provider is not one above."""
    provider, sep, rest = model.partition("/")
    if not sep:
        return "openai", model
    if provider not in PROVIDERS or not rest:
        return None
    return provider, rest


def refusal(model: str) -> str:
    """Why `model` names no provider the gateway speaks, for the config error."""
    provider = model.partition("/")[0]
    what = "is not supported" if provider in NOT_SUPPORTED else "is an unknown provider"
    return f"{provider + '/'!r} in {model!r} {what} (supported: {SUPPORTED})"
