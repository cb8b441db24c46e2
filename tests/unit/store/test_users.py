"""Users and their tokens in a real Redis: only digests are kept, and a token stops working the
moment it is replaced or its user removed."""

from __future__ import annotations

import pytest

from joblook import keys
from joblook.store.logstore import LogStore
from joblook.store.users import TOKEN_PREFIX, UserError, Users


@pytest.fixture
def users(store: LogStore) -> Users:
    return Users(store.redis)


def test_a_token_finds_its_user_and_only_its_digest_is_stored(users: Users) -> None:
    token = users.add("alice", "operator")
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    found = users.by_token(token)
    assert found is not None and (found.name, found.role) == ("alice", "operator")
    stored = b"".join(users.redis.hgetall(keys.USERS).values())
    stored += b"".join(users.redis.hgetall(keys.USER_TOKENS))
    assert token.encode() not in stored
    assert users.by_token(token + "x") is None


def test_a_new_token_replaces_the_old_one_at_once(users: Users) -> None:
    old = users.add("bob", "viewer")
    new = users.new_token("bob")
    assert users.by_token(old) is None
    found = users.by_token(new)
    assert found is not None and found.name == "bob"


def test_a_removed_user_has_no_token(users: Users) -> None:
    token = users.add("carol", "admin")
    users.remove("carol")
    assert users.by_token(token) is None
    assert users.all() == []


def test_role_changes_keep_the_token(users: Users) -> None:
    token = users.add("dave", "viewer")
    users.set_role("dave", "admin")
    found = users.by_token(token)
    assert found is not None and found.role == "admin"


@pytest.mark.parametrize(
    ("name", "role", "status"),
    [
        ("eve", "superuser", None),  # a RoleError, 400 in the API
        ("a/b", "viewer", 400),
        ("-dash", "viewer", 400),
        ("x" * 101, "viewer", 400),
        ("admin", "viewer", 409),
        ("anonymous", "viewer", 409),
    ],
)
def test_bad_names_roles_and_reserved_names_are_refused(
    users: Users, name: str, role: str, status: int | None
) -> None:
    with pytest.raises(ValueError) as refused:
        users.add(name, role)
    if status is not None:
        assert isinstance(refused.value, UserError) and refused.value.status == status
    assert users.all() == []


def test_a_taken_name_is_refused_and_the_first_user_keeps_their_token(users: Users) -> None:
    token = users.add("frank", "viewer")
    with pytest.raises(UserError) as taken:
        users.add("frank", "admin")
    assert taken.value.status == 409
    found = users.by_token(token)
    assert found is not None and found.role == "viewer"


def test_the_admins_sso_role_wins_over_the_settings_default(users: Users) -> None:
    assert users.sso_role("viewer") == "viewer"
    users.set_sso_role("operator")
    assert users.sso_role("viewer") == "operator"


def test_a_token_is_looked_up_in_one_round_trip_on_every_request(users: Users) -> None:
    token = users.add("erin", "operator")
    users.by_token(token)  # loads the script
    before = _calls(users)
    for _ in range(3):
        found = users.by_token(token)
        assert found is not None and found.name == "erin"
    after = _calls(users)
    # One EVALSHA each (no cache in between); the script's own two HGETs count as commands too.
    assert (after["evalsha"] - before["evalsha"], after["all"] - before["all"]) == (3, 9)
    users.remove("erin")
    assert users.by_token(token) is None


def _calls(users: Users) -> dict[str, int]:
    stats = users.redis.info("commandstats")
    every = sum(int(s["calls"]) for name, s in stats.items() if name != "cmdstat_info")
    return {"evalsha": int(stats.get("cmdstat_evalsha", {"calls": 0})["calls"]), "all": every}
