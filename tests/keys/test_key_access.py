"""Authorization of virtual keys: admin routes, own /key/info, models, allowed_routes, /models."""

from __future__ import annotations

import pytest

from tests.keys.conftest import chat

MANAGEMENT = ["/key/generate", "/key/update", "/key/delete", "/key/block", "/key/unblock", "/key/regenerate"]


@pytest.mark.parametrize("path", MANAGEMENT)
def test_a_virtual_key_may_not_manage_keys(kclient, admin, path):
    key = admin.generate()["key"]
    resp = kclient.post(path, json={"key": key}, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 403 and resp.json["error"]["type"] == "permission_denied"
    list_resp = kclient.get("/key/list", headers={"Authorization": f"Bearer {key}"})
    assert list_resp.status_code == 403
    path_regen = kclient.post(f"/key/{key}/regenerate", headers={"Authorization": f"Bearer {key}"})
    assert path_regen.status_code == 403


def test_key_info_answers_for_the_callers_own_key_only(kclient, admin):
    mine, other = admin.generate(key_alias="mine"), admin.generate()
    headers = {"x-api-key": mine["key"]}
    own = kclient.get("/key/info", headers=headers)
    assert own.status_code == 200 and own.json["info"]["key_alias"] == "mine"
    assert own.json["key"] == mine["token"] and mine["key"] not in own.get_data(as_text=True)
    assert kclient.get("/key/info", query_string={"key": mine["key"]}, headers=headers).status_code == 200
    assert kclient.get("/key/info", query_string={"key": other["token"]}, headers=headers).status_code == 403
    assert admin.get("/key/info", status=400)["error"]["param"] == "key"  # the master key has no own key


def test_models_lists_only_what_the_key_may_use(kclient, admin):
    key = admin.generate(models=["gpt-mini"])["key"]
    data = kclient.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).json["data"]
    assert [m["id"] for m in data] == ["gpt-mini"]
    everything = admin.generate()["key"]
    data = kclient.get("/models", headers={"Authorization": f"Bearer {everything}"}).json["data"]
    assert [m["id"] for m in data] == ["gpt-4o", "gpt-mini"]


@pytest.mark.parametrize(
    ("routes", "path", "allowed"),
    [
        (["/v1/models"], "/v1/models", True),
        (["/v1/models"], "/v1/chat/completions", False),
        (["/v1"], "/v1/chat/completions", True),
        (["/v1"], "/chat/completions", False),
        (["/v1/*"], "/v1/chat/completions", True),
        (["/v1/chat"], "/v1/chat/completions", True),
        (["/v1/cha"], "/v1/chat/completions", False),
        (["llm_api_routes"], "/chat/completions", True),
        (["info_routes"], "/chat/completions", False),
        (["info_routes"], "/key/info", True),
        (["llm_api_routes"], "/key/info", False),
        (["management_routes"], "/key/generate", False),  # management stays admin-only
    ],
)
def test_allowed_routes(kclient, admin, routes, path, allowed):
    key = admin.generate(allowed_routes=routes)["key"]
    headers = {"Authorization": f"Bearer {key}"}
    if path == "/key/info" or path.endswith("models"):
        resp = kclient.get(path, headers=headers)
    else:
        resp = kclient.post(path, json={"model": "gpt-4o", "messages": []}, headers=headers)
    assert (resp.status_code != 403) is allowed, resp.json


def test_unknown_sk_key_and_non_sk_strings_are_401(kclient):
    for value in ("sk-not-a-real-key-00000000", "not-even-sk"):
        resp = chat(kclient, value)
        assert resp.status_code == 401 and resp.json["error"]["type"] == "auth_error"
