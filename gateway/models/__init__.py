"""The gateway's tables, as SQLAlchemy models (migrations never import these)."""

from .audit import AuditEvent
from .jobs import JobRun
from .keys import DeprecatedToken, VerificationToken
from .meta import GatewayMeta
from .usage import DailyUsage, UsageLog

__all__ = [
    "AuditEvent",
    "DailyUsage",
    "DeprecatedToken",
    "GatewayMeta",
    "JobRun",
    "UsageLog",
    "VerificationToken",
]
