"""The role-by-route matrix against a live gateway (PostgreSQL + Redis): every route of the one
route table (gateway/authz/routes.py) tried by every role, on an object of its own and on
another's. EXPECTED is read from AUTHZ.md, not from the code: allowed → 2xx, refused → 403 in
the error envelope, with the same message whether the refused object exists or not.

A route added to the table without a row here fails the test.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from gateway.authz.routes import ROUTE_ROLES
from tests.conftest import auth

P = frozenset({"master", "padmin"})  # proxy_admin: the master key, and a proxy_admin user's key
V = frozenset({"pviewer"})  # proxy_admin_viewer: reads everything, writes nothing
USERS = frozenset({"iuser", "iviewer", "orgadmin", "tadmin", "tuser"})  # read their own things
ROLES = ("master", "padmin", "pviewer", "iuser", "iviewer", "orgadmin", "tadmin", "tuser", "llm")
ROLE_OF = {"padmin": "proxy_admin", "pviewer": "proxy_admin_viewer", "iuser": "internal_user",
           "iviewer": "internal_user_viewer", "orgadmin": "org_admin", "tadmin": "internal_user",
           "tuser": "internal_user"}  # fmt: skip
ORG_ROLE = {"orgadmin": "org_admin", "iviewer": "internal_user_viewer"}  # others join as internal_user

# route → (roles allowed on their own object, roles allowed on another's). AUTHZ.md: an internal
# user manages its own keys; a team admin its team's members, keys and allowed fields (not its
# models, budgets or block); a team user calls key routes only as team_member_permissions allow
# (default /key/info); an org admin its organization's teams and users; a viewer never writes;
# an LLM-only key manages nothing. Lists answer 200 narrowed to what the caller may see.
KEY_WRITE = (P | {"iuser", "orgadmin", "tadmin"}, P)
ORG_WRITE = (P | {"orgadmin"}, P)
TEAM_ADMIN_WRITE = (P | {"orgadmin", "tadmin"}, P)
READ_OWN = (P | V | USERS, P | V)
LISTED = (P | V | USERS, P | V | USERS)
ADMIN_READ = (P | V, P | V)
ADMIN_ONLY = (P, P)
EXPECTED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "/key/generate": KEY_WRITE,
    "/key/update": KEY_WRITE,
    "/key/delete": KEY_WRITE,
    "/key/regenerate": KEY_WRITE,
    "/key/{key}/regenerate": KEY_WRITE,
    "/key/block": KEY_WRITE,
    "/key/unblock": KEY_WRITE,
    "/key/list": READ_OWN,
    "/user/new": ORG_WRITE,
    "/user/info": READ_OWN,
    "/user/update": ORG_WRITE,
    "/user/delete": ORG_WRITE,
    "/user/list": (P | V | {"orgadmin"}, P | V | {"orgadmin"}),
    "/team/new": ORG_WRITE,
    "/team/info": READ_OWN,
    "/team/update": TEAM_ADMIN_WRITE,
    "/team/delete": ORG_WRITE,
    "/team/list": LISTED,
    "/team/block": ORG_WRITE,
    "/team/unblock": ORG_WRITE,
    "/team/member_add": TEAM_ADMIN_WRITE,
    "/team/member_delete": TEAM_ADMIN_WRITE,
    "/team/member_update": TEAM_ADMIN_WRITE,
    "/team/model/add": ORG_WRITE,
    "/team/model/delete": ORG_WRITE,
    "/team/permissions_list": READ_OWN,
    "/team/permissions_update": TEAM_ADMIN_WRITE,
    "/organization/new": ADMIN_ONLY,
    "/organization/info": READ_OWN,
    "/organization/update": ORG_WRITE,
    "/organization/delete": ADMIN_ONLY,
    "/organization/list": LISTED,
    "/organization/member_add": ORG_WRITE,
    "/organization/member_update": ORG_WRITE,
    "/organization/member_delete": ORG_WRITE,
    **{
        f"/{base}/{action}": ADMIN_READ if action in ("info", "list") else ADMIN_ONLY
        for base in ("customer", "end_user")
        for action in ("new", "info", "update", "delete", "list", "block", "unblock")
    },
    "/audit": ADMIN_READ,
}
PATH_FORMS = {"/key/{key}/regenerate": "/key/regenerate"}  # other spellings of a table route


@dataclass
class Req:
    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, str] | None = None
    obj: tuple[str, str] | None = None  # (the object's id, an id of the same shape nobody has)

    def ghost(self) -> Req:
        old, new = self.obj  # type: ignore[misc]
        swap = lambda v: None if v is None else json.loads(json.dumps(v).replace(old, new))  # noqa: E731
        return Req(self.method, self.path.replace(old, new), swap(self.body), swap(self.params), None)


@dataclass
class World:
    """The gateway's objects, made by the master key; each case gets fresh ones where it writes."""

    url: str
    http: requests.Session = field(default_factory=requests.Session)
    keys: dict[str, str] = field(default_factory=dict)

    def call(self, req: Req, key: str) -> requests.Response:
        return self.http.request(req.method, self.url + req.path, json=req.body, params=req.params,
                                 headers=auth(key), timeout=30)  # fmt: skip

    def admin(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.call(Req("POST", path, body), self.keys["master"])
        assert resp.status_code == 200, (path, body, resp.text)
        return resp.json()

    @staticmethod
    def fresh(prefix: str) -> str:
        return f"{prefix}-{secrets.token_hex(4)}"

    @staticmethod
    def uid(role: str) -> str | None:
        return None if role in ("master", "llm") else f"u-{role}"

    def setup(self, master: str) -> None:
        self.keys["master"] = master
        self.admin("/user/new", {"user_id": "u-other", "auto_create_key": False})
        self.admin("/user/new", {"user_id": "u-filler", "auto_create_key": False})
        for role, user_role in ROLE_OF.items():
            self.keys[role] = self.admin("/user/new", {"user_id": f"u-{role}", "user_role": user_role})["key"]
        self.admin("/organization/new", {"organization_id": "o1", "organization_alias": "o1"})
        self.admin("/organization/new", {"organization_id": "o2", "organization_alias": "o2"})
        member = {"user_id": "u-orgadmin", "role": "org_admin"}
        self.admin("/organization/member_add", {"organization_id": "o1", "member": [member]})
        self.keys["llm"] = self.admin("/key/generate", {})["key"]

    def team(self, role: str, own: bool) -> str:
        """A new team: the caller's own (its admin, member, or in its organization), or another's."""
        team_id = self.fresh("team")
        filler = {"role": "user", "user_id": "u-filler"}
        body: dict[str, Any] = {"team_id": team_id, "members_with_roles": [filler]}
        if not own:
            body.update(
                organization_id="o2", members_with_roles=[{"role": "admin", "user_id": "u-other"}, filler]
            )
        elif role == "orgadmin":
            body["organization_id"] = "o1"
        elif role == "tadmin":
            body["members_with_roles"] += [{"role": "admin", "user_id": "u-tadmin"},
                                           {"role": "user", "user_id": "u-tuser"}]  # fmt: skip
        elif role in ("tuser", "iuser", "iviewer"):
            body["members_with_roles"].append({"role": "user", "user_id": self.uid(role)})
        self.admin("/team/new", body)
        return team_id

    def key(self, role: str, own: bool) -> str:
        """A new key: the caller's own (a team key of its team for team roles), or another user's."""
        if not own:
            return self.admin("/key/generate", {"user_id": "u-other", "team_id": self.team(role, False)})[
                "key"
            ]
        if role in P or role == "pviewer":
            body: dict[str, Any] = {"user_id": "u-other"}
        elif role == "llm":
            body = {}
        elif role in ("tadmin", "tuser"):  # a team key of the team user's, in the caller's team
            body = {"user_id": "u-tuser", "team_id": self.team(role, True)}
        else:
            body = {"user_id": self.uid(role)}
        return self.admin("/key/generate", body)["key"]

    def user(self, role: str, own: bool) -> str:
        """A user the caller manages or is (a new one for admins, one of its organization for an
        org admin, itself for others), or a new user of nobody's."""
        if own and role in USERS and role != "orgadmin":
            return self.uid(role)  # type: ignore[return-value]
        user_id = self.fresh("user")
        if own and role == "orgadmin":
            member = {"user_id": user_id, "role": "internal_user"}
            self.admin("/organization/member_add", {"organization_id": "o1", "member": [member]})
        else:
            self.admin("/user/new", {"user_id": user_id, "auto_create_key": False})
        return user_id

    def org(self, role: str, own: bool) -> str:
        """A new organization; the caller a member of it (with its role there) when its own."""
        org_id = self.fresh("org")
        self.admin("/organization/new", {"organization_id": org_id, "organization_alias": org_id})
        if own and role in USERS:
            member = {"user_id": self.uid(role), "role": ORG_ROLE.get(role, "internal_user")}
            self.admin("/organization/member_add", {"organization_id": org_id, "member": [member]})
        self.admin("/organization/member_add", {"organization_id": org_id,
                                                 "member": [{"user_id": "u-filler", "role": "internal_user"}]})  # fmt: skip
        return org_id

    def customer(self) -> str:
        customer = self.fresh("cust")
        self.admin("/customer/new", {"user_id": customer})
        return customer


GHOST_KEY = "sk-ghost-" + "0" * 24
Case = Callable[[World, str, bool], Req]


def _key_case(path: str, body: Callable[[str], dict[str, Any]]) -> Case:
    def case(w: World, role: str, own: bool) -> Req:
        key = w.key(role, own)
        return Req("POST", path.replace("{key}", key), body(key), obj=(key, GHOST_KEY))

    return case


def _generate(w: World, role: str, own: bool) -> Req:
    if not own:
        return Req("POST", "/key/generate", {"user_id": "u-other"}, obj=("u-other", "u-ghost"))
    if role in ("tadmin", "tuser"):
        team = w.team(role, True)
        return Req("POST", "/key/generate", {"team_id": team}, obj=(team, "team-ghost"))
    return Req("POST", "/key/generate", {"user_id": w.uid(role) or "u-other"})


def _key_list(w: World, role: str, own: bool) -> Req:
    if not own:
        return Req("GET", "/key/list", params={"user_id": "u-other"}, obj=("u-other", "u-ghost"))
    if role == "tadmin":
        return Req("GET", "/key/list", params={"team_id": w.team(role, True)})
    return Req("GET", "/key/list", params={"user_id": w.uid(role) or "u-other"})


def _user_new(w: World, role: str, own: bool) -> Req:
    team = w.team(role, own)
    return Req("POST", "/user/new", {"user_id": w.fresh("user"), "teams": [team], "auto_create_key": False},
               obj=(team, "team-ghost"))  # fmt: skip


def _user(method: str, path: str, body: Callable[[str], dict[str, Any]]) -> Case:
    def case(w: World, role: str, own: bool) -> Req:
        user_id = w.user(role, own)
        made = body(user_id)
        if method == "GET":
            return Req(method, path, params=made, obj=(user_id, "u-ghost"))
        return Req(method, path, made, obj=(user_id, "u-ghost"))

    return case


def _team(method: str, path: str, body: Callable[[str], dict[str, Any]]) -> Case:
    def case(w: World, role: str, own: bool) -> Req:
        team = w.team(role, own)
        made = body(team)
        if method == "GET":
            return Req(method, path, params=made, obj=(team, "team-ghost"))
        return Req(method, path, made, obj=(team, "team-ghost"))

    return case


def _team_new(w: World, role: str, own: bool) -> Req:
    body: dict[str, Any] = {"team_id": w.fresh("team")}
    if role == "orgadmin" or not own:
        body["organization_id"] = "o1" if own else "o2"
        return Req("POST", "/team/new", body, obj=(body["organization_id"], "org-ghost"))
    return Req("POST", "/team/new", body)


def _org(method: str, path: str, body: Callable[[str], dict[str, Any]]) -> Case:
    def case(w: World, role: str, own: bool) -> Req:
        org = w.org(role, own)
        made = body(org)
        if method == "GET":
            return Req(method, path, params=made, obj=(org, "org-ghost"))
        return Req(method, path, made, obj=(org, "org-ghost"))

    return case


def _customer(method: str, path: str, body: Callable[[str], dict[str, Any]]) -> Case:
    def case(w: World, role: str, own: bool) -> Req:
        customer = w.customer()
        made = body(customer)
        if method == "GET":
            return Req(method, path, params=made)
        return Req(method, path, made)

    return case


def _plain(method: str, path: str, body: dict[str, Any] | None = None) -> Case:
    def case(w: World, role: str, own: bool) -> Req:
        if method == "GET":
            return Req(method, path, params=body)
        return Req(method, path, dict(body or {}))

    return case


def _customer_cases(base: str) -> dict[str, Case]:
    many = lambda c: {"user_ids": [c]}  # noqa: E731
    return {
        f"/{base}/new": lambda w, role, own: Req("POST", f"/{base}/new", {"user_id": w.fresh("cust")}),
        f"/{base}/info": _customer("GET", f"/{base}/info", lambda c: {"end_user_id": c}),
        f"/{base}/update": _customer("POST", f"/{base}/update", lambda c: {"user_id": c, "alias": "x"}),
        f"/{base}/delete": _customer("POST", f"/{base}/delete", many),
        f"/{base}/list": _plain("GET", f"/{base}/list"),
        f"/{base}/block": _customer("POST", f"/{base}/block", many),
        f"/{base}/unblock": _customer("POST", f"/{base}/unblock", many),
    }


FILLER = {"user_id": "u-filler"}
CASES: dict[str, Case] = {
    "/key/generate": _generate,
    "/key/update": _key_case("/key/update", lambda k: {"key": k, "metadata": {"touched": True}}),
    "/key/delete": _key_case("/key/delete", lambda k: {"keys": [k]}),
    "/key/regenerate": _key_case("/key/regenerate", lambda k: {"key": k}),
    "/key/{key}/regenerate": _key_case("/key/{key}/regenerate", lambda k: {}),
    "/key/block": _key_case("/key/block", lambda k: {"key": k}),
    "/key/unblock": _key_case("/key/unblock", lambda k: {"key": k}),
    "/key/list": _key_list,
    "/user/new": _user_new,
    "/user/info": _user("GET", "/user/info", lambda u: {"user_id": u}),
    "/user/update": _user("POST", "/user/update", lambda u: {"user_id": u, "user_alias": "renamed"}),
    "/user/delete": _user("POST", "/user/delete", lambda u: {"user_ids": [u]}),
    "/user/list": lambda w, role, own: Req(
        "GET", "/user/list", params=None if own else {"user_ids": "u-other"}
    ),
    "/team/new": _team_new,
    "/team/info": _team("GET", "/team/info", lambda t: {"team_id": t}),
    "/team/update": _team("POST", "/team/update", lambda t: {"team_id": t, "team_alias": "renamed"}),
    "/team/delete": _team("POST", "/team/delete", lambda t: {"team_ids": [t]}),
    "/team/list": lambda w, role, own: Req(
        "GET", "/team/list", params=None if own else {"user_id": "u-other"}
    ),
    "/team/block": _team("POST", "/team/block", lambda t: {"team_id": t}),
    "/team/unblock": _team("POST", "/team/unblock", lambda t: {"team_id": t}),
    "/team/member_add": _team(
        "POST", "/team/member_add", lambda t: {"team_id": t, "member": {"user_id": World.fresh("user")}}
    ),
    "/team/member_delete": _team("POST", "/team/member_delete", lambda t: {"team_id": t, **FILLER}),
    "/team/member_update": _team(
        "POST", "/team/member_update", lambda t: {"team_id": t, **FILLER, "max_budget_in_team": 1.0}
    ),
    "/team/model/add": _team("POST", "/team/model/add", lambda t: {"team_id": t, "models": ["gpt-4o"]}),
    "/team/model/delete": _team("POST", "/team/model/delete", lambda t: {"team_id": t, "models": ["gpt-4o"]}),
    "/team/permissions_list": _team("GET", "/team/permissions_list", lambda t: {"team_id": t}),
    "/team/permissions_update": _team(
        "POST", "/team/permissions_update", lambda t: {"team_id": t, "team_member_permissions": ["/key/info"]}
    ),
    "/organization/new": lambda w, role, own: Req(
        "POST", "/organization/new", {"organization_alias": w.fresh("org")}
    ),
    "/organization/info": _org("GET", "/organization/info", lambda o: {"organization_id": o}),
    "/organization/update": _org(
        "POST", "/organization/update", lambda o: {"organization_id": o, "organization_alias": "renamed"}
    ),
    "/organization/delete": _org("POST", "/organization/delete", lambda o: {"organization_ids": [o]}),
    "/organization/list": _plain("GET", "/organization/list"),
    "/organization/member_add": _org(
        "POST",
        "/organization/member_add",
        lambda o: {
            "organization_id": o,
            "member": [{"user_id": World.fresh("user"), "role": "internal_user"}],
        },
    ),
    "/organization/member_update": _org(
        "POST",
        "/organization/member_update",
        lambda o: {"organization_id": o, **FILLER, "role": "internal_user_viewer"},
    ),
    "/organization/member_delete": _org(
        "POST", "/organization/member_delete", lambda o: {"organization_id": o, **FILLER}
    ),
    **_customer_cases("customer"),
    **_customer_cases("end_user"),
    "/audit": _plain("GET", "/audit"),
}


def _refusal(resp: requests.Response) -> dict[str, Any] | None:
    """The error object of a 403 in the one envelope, else None."""
    if resp.status_code != 403:
        return None
    try:
        error = resp.json()["error"]
    except (ValueError, KeyError, TypeError):
        return None
    ok = error.get("type") == "permission_denied" and error.get("code") == "403" and error.get("message")
    return error if ok else None


def test_every_route_of_the_table_has_a_matrix_row():
    table = set(ROUTE_ROLES) | set(PATH_FORMS)
    assert set(EXPECTED) == table, sorted(set(EXPECTED) ^ table)
    assert set(CASES) == table, sorted(set(CASES) ^ table)


def test_role_route_matrix(live_gateway, db_url, redis_url, upstream):
    config = {"model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o",
                                                                           "api_base": upstream.base}}]}  # fmt: skip
    gw = live_gateway(config, {"DATABASE_URL": db_url, "REDIS_URL": redis_url})
    world = World(gw.url)
    world.setup(master="sk-test-master-key-0001")
    wrong: list[str] = []
    for route, case in CASES.items():
        owned, others = EXPECTED[route]
        for role in ROLES:
            for own, allowed in ((True, role in owned), (False, role in others)):
                req = case(world, role, own)
                resp = world.call(req, world.keys[role])
                where = f"{role:8} {'own' if own else 'other':5} {req.method} {req.path}"
                if allowed and not 200 <= resp.status_code < 300:
                    wrong.append(f"{where}: expected 2xx, got {resp.status_code} {resp.text[:160]}")
                elif not allowed:
                    error = _refusal(resp)
                    if error is None:
                        wrong.append(
                            f"{where}: expected 403 envelope, got {resp.status_code} {resp.text[:160]}"
                        )
                    elif req.obj is not None:
                        ghost = _refusal(world.call(req.ghost(), world.keys[role]))
                        same = ghost is not None and ghost["message"].replace(req.obj[1], "X") == error[
                            "message"
                        ].replace(req.obj[0], "X")
                        if not same:
                            wrong.append(f"{where}: refusal differs for a missing object: {error} vs {ghost}")
    assert not wrong, f"{len(wrong)} cells differ from AUTHZ.md:\n" + "\n".join(wrong)
