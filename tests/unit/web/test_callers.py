"""Who a request comes from: the shared token's admin, a user's token, or a user the trusted
SSO proxy names, and only from a trusted address."""

from __future__ import annotations

import pytest

from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.store.users import Users
from joblook.web.callers import Caller, Refused, identify

ENV = {
    "JOBLOOK_TOKEN": "shared-token-0123456789",
    "JOBLOOK_TRUSTED_USER_HEADER": "X-Forwarded-User",
    "JOBLOOK_TRUSTED_PROXIES": "10.0.0.0/8",
    "JOBLOOK_SSO_DEFAULT_ROLE": "operator",
}


@pytest.fixture
def users(store: LogStore) -> Users:
    return Users(store.redis)


def settings(**env: str) -> Settings:
    return Settings.from_env(ENV | env)


def test_the_shared_token_is_the_admin(users: Users) -> None:
    who = identify(settings(), users, ENV["JOBLOOK_TOKEN"], "1.2.3.4", {})
    assert who == Caller("admin", "admin", "1.2.3.4")


def test_a_users_token_is_that_user_with_their_role(users: Users) -> None:
    token = users.add("alice", "viewer")
    assert identify(settings(), users, token, None, {}) == Caller("alice", "viewer")


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("guess", 403)])
def test_no_token_or_an_unknown_one_is_refused(
    users: Users, token: str | None, status: int
) -> None:
    with pytest.raises(Refused) as refused:
        identify(settings(), users, token, "1.2.3.4", {})
    assert refused.value.status == status


def test_the_sso_header_counts_only_from_a_trusted_proxy(users: Users) -> None:
    header = {"X-Forwarded-User": "carol@example.com"}
    trusted = identify(settings(), users, None, "10.1.2.3", header)
    assert trusted == Caller("carol@example.com", "operator", "10.1.2.3")
    with pytest.raises(Refused):
        identify(settings(), users, None, "192.168.1.1", header)


def test_an_sso_user_with_a_role_of_their_own_has_it(users: Users) -> None:
    users.add("dan", "admin")
    who = identify(settings(), users, None, "10.0.0.1", {"X-Forwarded-User": "dan"})
    assert who.role == "admin"


@pytest.mark.parametrize("named", ["admin", "../x", "a b"])
def test_the_sso_proxy_cannot_name_the_shared_admin_or_a_bad_name(users: Users, named: str) -> None:
    with pytest.raises(Refused):
        identify(settings(), users, None, "10.0.0.1", {"X-Forwarded-User": named})


def test_without_auth_everyone_is_the_anonymous_admin(users: Users) -> None:
    open_settings = Settings.from_env({"JOBLOOK_AUTH": "none"})
    assert identify(open_settings, users, None, None, {}) == Caller("anonymous", "admin")
