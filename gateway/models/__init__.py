"""The gateway's tables, as SQLAlchemy models (migrations never import these)."""

from .meta import GatewayMeta

__all__ = ["GatewayMeta"]
