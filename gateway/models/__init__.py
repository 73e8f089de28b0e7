"""The gateway's tables, as SQLAlchemy models (migrations never import these)."""

from .audit import AuditEvent
from .keys import DeprecatedToken, VerificationToken
from .meta import GatewayMeta

__all__ = ["AuditEvent", "DeprecatedToken", "GatewayMeta", "VerificationToken"]
