"""`flask litellm import`: LiteLLM Proxy's database into the gateway's, keys keeping their hashes
(docs/migrate-from-litellm.md). source reads, mapping translates, writer upserts, run orders."""

from .run import run_import

__all__ = ["run_import"]
