"""The gateway's tables, as SQLAlchemy models (migrations never import these)."""

from .audit import AuditEvent
from .customers import Customer
from .jobs import JobRun
from .keys import DeprecatedToken, VerificationToken
from .litellm_import import ImportCheckpoint, ImportedUsage
from .meta import GatewayMeta
from .organizations import Organization, OrganizationMembership
from .teams import Team, TeamMembership
from .usage import DailyUsage, UsageLog
from .users import User

__all__ = [
    "AuditEvent",
    "Customer",
    "DailyUsage",
    "DeprecatedToken",
    "GatewayMeta",
    "ImportCheckpoint",
    "ImportedUsage",
    "JobRun",
    "Organization",
    "OrganizationMembership",
    "Team",
    "TeamMembership",
    "UsageLog",
    "User",
    "VerificationToken",
]
