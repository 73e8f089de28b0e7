"""The `/organization/*`, `/customer/*` (`/end_user/*`) and `/audit` operations; their request
schemas are generated from the pydantic models that validate them (directory/*_fields.py)."""

from __future__ import annotations

from typing import Any

from ..admin.audit import AuditFilters
from ..directory import customer_fields, org_fields
from .schemas import TEXT, generated, value_schema

REF = "#/components/schemas/"
JSON = "application/json"
DIRECTORY_COMPONENTS = generated((*org_fields.REQUESTS, *customer_fields.REQUESTS))
PAGE = {"type": "string", "pattern": "^[0-9]{1,7}$"}
WHEN = {"type": "string", "description": "a date (2026-01-31) or an ISO 8601 date-time"}
OBJECT = {"type": "object"}
LIST = {"type": "array", "items": OBJECT}
AUDIT_PAGE = {
    "type": "object",
    "properties": {
        "audit_logs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "created_at": {"type": "string"},
                    "actor": {"type": "string"},
                    "action": {"type": "string"},
                    "object_type": {"type": ["string", "null"]},
                    "object_id": {"type": ["string", "null"]},
                    "before": {"type": ["object", "null"]},
                    "after": {"type": ["object", "null"]},
                    "detail": OBJECT,
                },
                "required": ["id", "created_at", "actor", "action", "object_type", "object_id"],
            },
        },
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "total_pages": {"type": "integer", "minimum": 0},
    },
    "required": ["audit_logs", "total", "page", "page_size", "total_pages"],
}


def _op(summary: str, tag: str, ok: dict[str, Any], errors: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "tags": [tag],
        "responses": {"200": {"description": "OK", "content": {JSON: {"schema": ok}}}, **errors},
        **extra,
    }


def _body(name: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {JSON: {"schema": {"$ref": REF + name}}}}}


def _q(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def directory_paths(errors: dict[str, Any]) -> dict[str, Any]:
    """`errors`: the error responses of an admin route (paths.py's, so both say the same)."""
    o, c = "organizations", "customers"
    org_ops: dict[str, Any] = {
        "/organization/new": {
            "post": _op("Create an organization", o, OBJECT, errors, **_body("NewOrganizationRequest"))
        },
        "/organization/info": {
            "get": _op(
                "An organization with its members and teams",
                o,
                OBJECT,
                errors,
                parameters=[_q("organization_id", TEXT, "the organization", True)],
            ),
            "post": _op(
                "LiteLLM's deprecated form: several organizations",
                o,
                LIST,
                errors,
                requestBody={
                    "required": True,
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "properties": {"organizations": {"type": "array", "items": TEXT}},
                                "required": ["organizations"],
                                "additionalProperties": False,
                            }
                        }
                    },
                },
            ),
        },
        "/organization/list": {
            "get": _op(
                "Organizations (admins: all; others: their own)",
                o,
                LIST,
                errors,
                parameters=[
                    _q("page", PAGE, "from 1"),
                    _q("size", PAGE, "1 to 1000, default 100"),
                    _q("org_id", TEXT, "only this organization"),
                    _q("org_alias", TEXT, "only this alias"),
                ],
            ),
        },
    }
    for method in ("patch", "post"):
        org_ops.setdefault("/organization/update", {})[method] = _op(
            "Change an organization", o, OBJECT, errors, **_body("UpdateOrganizationRequest")
        )
        org_ops.setdefault("/organization/member_update", {})[method] = _op(
            "Change a member's role", o, OBJECT, errors, **_body("OrganizationMemberUpdateRequest")
        )
    for method in ("delete", "post"):
        org_ops.setdefault("/organization/delete", {})[method] = _op(
            "Delete organizations with their teams, memberships and keys (as LiteLLM does)",
            o,
            LIST,
            errors,
            **_body("DeleteOrganizationRequest"),
        )
        org_ops.setdefault("/organization/member_delete", {})[method] = _op(
            "Remove a member", o, OBJECT, errors, **_body("OrganizationMemberDeleteRequest")
        )
    org_ops["/organization/member_add"] = {
        "post": _op(
            "Add members (unknown users are created)",
            o,
            OBJECT,
            errors,
            **_body("OrganizationMemberAddRequest"),
        )
    }
    customer_ops: dict[str, Any] = {}
    for base in ("customer", "end_user"):
        customer_ops.update(
            {
                f"/{base}/new": {
                    "post": _op(
                        "Create a customer (end user)", c, OBJECT, errors, **_body("NewCustomerRequest")
                    )
                },
                f"/{base}/info": {
                    "get": _op(
                        "A customer",
                        c,
                        OBJECT,
                        errors,
                        parameters=[_q("end_user_id", TEXT, "the customer's user_id", True)],
                    )
                },
                f"/{base}/update": {
                    "post": _op("Change a customer", c, OBJECT, errors, **_body("UpdateCustomerRequest"))
                },
                f"/{base}/delete": {
                    "post": _op("Delete customers", c, OBJECT, errors, **_body("DeleteCustomerRequest"))
                },
                f"/{base}/list": {
                    "get": _op(
                        "Customers",
                        c,
                        LIST,
                        errors,
                        parameters=[
                            _q("page", PAGE, "from 1"),
                            _q("size", PAGE, "1 to 1000, default 100"),
                            _q("user_id", TEXT, "only this customer"),
                            _q("alias", TEXT, "only this alias"),
                        ],
                    )
                },
                f"/{base}/block": {
                    "post": _op(
                        "Block customers (unknown ids are created blocked)",
                        c,
                        OBJECT,
                        errors,
                        **_body("BlockCustomersRequest"),
                    )
                },
                f"/{base}/unblock": {
                    "post": _op("Unblock customers", c, OBJECT, errors, **_body("BlockCustomersRequest"))
                },
            }
        )
    audit_params = [
        _q(name, value_schema(field.annotation), field.description or "")
        for name, field in AuditFilters.model_fields.items()
    ]
    audit_ops = {
        "/audit": {
            "get": _op(
                "The audit log, newest first (admins and admin viewers)",
                "audit",
                AUDIT_PAGE,
                errors,
                parameters=[
                    *audit_params,
                    _q("start_date", WHEN, "from (inclusive)"),
                    _q("end_date", WHEN, "to (a date: inclusive)"),
                    _q("page", PAGE, "from 1"),
                    _q("page_size", PAGE, "1 to 500, default 50"),
                ],
            )
        }
    }
    return {**org_ops, **customer_ops, **audit_ops}
