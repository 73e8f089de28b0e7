"""Stage 5: the intent read from the body, its deployments, the upstream call and its relay."""

from __future__ import annotations

from flask import Request, Response

from ..settings import Settings
from ..usage import Meter
from ..values import RequestIntent
from .address import AddressPolicy
from .clientside import refuse_forbidden
from .egress import Egress, tls_context
from .forward import forward
from .intent import op_for
from .intent import read_intent as read_json_intent
from .multipart import OPS as MULTIPART_OPS
from .multipart import read_multipart_intent
from .redact import ReadCredential, Redactor
from .router import Router, Target
from .upstream import UpstreamClient

__all__ = ["OPS", "Proxy", "read_intent"]

# Every op forwards the same way (auth, limits, metering); LLM_API_ROUTES in authz/routes.py lists them.
OPS = (
    "/chat/completions",
    "/completions",
    "/embeddings",
    "/images/generations",
    "/audio/speech",
    "/audio/transcriptions",
    "/moderations",
    "/responses",
    "/messages",  # Anthropic's Messages API (docs/anthropic.md)
    "/messages/count_tokens",
)


def read_intent(request: Request) -> RequestIntent:
    """What the client asks for: the JSON body (a form for audio transcriptions); 400 if unreadable."""
    if op_for(request.path) in MULTIPART_OPS:
        return read_multipart_intent(request)
    return read_json_intent(request)


class Proxy:
    """The stage's object: which deployments may answer an intent, and the call to one of them."""

    def __init__(self, settings: Settings, credentials: ReadCredential) -> None:
        self.router = Router(settings.deployments)
        transport = settings.transport
        self.upstream = UpstreamClient(
            max_body=settings.max_response_bytes,
            policy=AddressPolicy(settings.clientside_api_base_allowed_hosts),
            ssl_context=tls_context(transport),
            egress=Egress.from_settings(transport),
        )
        self.redactor = Redactor.from_settings(settings, credentials)

    def targets(self, intent: RequestIntent) -> list[Target]:
        """The deployments of the intent's model, in the order to try; 400 for a client-side
        credential this model does not accept, or an unknown model."""
        refuse_forbidden(intent.body)
        return self.deployments_of(intent.model)

    def deployments_of(self, model: str) -> list[Target]:
        """The model's deployments (400 naming an unknown model)."""
        return self.router.candidates(model)

    def forward(self, intent: RequestIntent, targets: list[Target], meter: Meter) -> Response:
        """The first deployment that answers, relayed to the client; `meter` ends with the request."""
        return forward(intent, targets, self.upstream, self.redactor, meter)

    def model_names(self) -> list[str]:
        return self.router.model_names()
