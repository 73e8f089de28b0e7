"""The organization, customer and /audit operations in /openapi.json, in step with their validators."""

from __future__ import annotations

from gateway.directory import customer_fields, org_fields
from tests.keys.conftest import MODELS


def test_directory_request_schemas_list_exactly_the_fields_the_validators_accept(make_app):
    doc = make_app(MODELS).test_client().get("/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for model in (*org_fields.REQUESTS, *customer_fields.REQUESTS):
        assert set(schemas[model.__name__]["properties"]) == set(model.model_fields), model.__name__
        assert schemas[model.__name__]["additionalProperties"] is False
    paths = doc["paths"]
    assert set(paths["/organization/update"]) == {"patch", "post"}
    assert set(paths["/organization/delete"]) == {"delete", "post"}
    assert paths["/end_user/block"] == paths["/customer/block"]
    audit = {p["name"] for p in paths["/audit"]["get"]["parameters"]}
    assert audit == {
        "object_type",
        "object_id",
        "actor",
        "action",
        "start_date",
        "end_date",
        "page",
        "page_size",
    }
    assert (
        "401" in paths["/audit"]["get"]["responses"]
        and "404" in paths["/organization/info"]["get"]["responses"]
    )
