"""Compatibility surface for custom-auth modules written for LiteLLM: the FastAPI and LiteLLM names
they import, backed by the gateway (docs/custom_auth.md, "Moving a LiteLLM custom_auth.py")."""
