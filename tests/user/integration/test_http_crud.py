"""Profiles over real HTTP, with real tokens, against PostgreSQL and Redis. Profiles are made
from ``account.registered`` (there is no POST /users); everything after that is HTTP."""

from __future__ import annotations

import uuid

from tests.user.integration.conftest import COLLEGE, RunningUserService


async def test_a_profile_made_from_an_account_is_served_by_get(
    user_service: RunningUserService,
) -> None:
    created = await user_service.create_user(
        email="Grace@Example.edu", display_name="Grace Hopper", roles=["instructor"]
    )
    assert created["email"] == "grace@example.edu"
    assert created["college_id"] == COLLEGE
    assert created["roles"] == ["instructor"]
    assert created["version"] == 1

    response = await user_service.client.get(
        f"/users/{created['id']}", headers=user_service.admin()
    )
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


async def test_the_user_reads_and_edits_their_own_profile(user_service: RunningUserService) -> None:
    created = await user_service.create_user()
    me = user_service.token(created["id"])

    patched = await user_service.client.patch(
        f"/users/{created['id']}", json={"bio": "First programmer."}, headers=me
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["bio"] == "First programmer."
    assert patched.json()["display_name"] == "Ada Lovelace"  # untouched by PATCH
    assert patched.json()["version"] == 2

    replaced = await user_service.client.put(
        f"/users/{created['id']}", json={"display_name": "Augusta Ada King"}, headers=me
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["display_name"] == "Augusta Ada King"
    assert body["bio"] is None  # PUT replaces: an omitted optional field is cleared
    assert body["version"] == 3

    fetched = await user_service.client.get(f"/users/{created['id']}", headers=me)
    assert fetched.json()["display_name"] == "Augusta Ada King"


async def test_stale_if_match_is_refused_and_changes_nothing(
    user_service: RunningUserService,
) -> None:
    created = await user_service.create_user()
    response = await user_service.client.patch(
        f"/users/{created['id']}",
        json={"bio": "late"},
        headers={**user_service.admin(), "If-Match": '"7"'},
    )
    assert response.status_code == 412
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (
        await user_service.scalar(
            "SELECT bio FROM profiles WHERE id = $1", uuid.UUID(created["id"])
        )
        is None
    )


async def test_delete_is_soft_and_hides_the_profile(user_service: RunningUserService) -> None:
    created = await user_service.create_user()
    response = await user_service.client.delete(
        f"/users/{created['id']}", headers=user_service.admin()
    )
    assert response.status_code == 204

    assert (
        await user_service.client.get(f"/users/{created['id']}", headers=user_service.admin())
    ).status_code == 404
    status = await user_service.scalar(
        "SELECT status FROM profiles WHERE id = $1", uuid.UUID(created["id"])
    )
    assert status == "deleted"  # the row stays for audit and references

    listed = await user_service.client.get("/users", headers=user_service.admin())
    assert [u["id"] for u in listed.json()["items"]] == []
    deleted = await user_service.client.get("/users?status=deleted", headers=user_service.admin())
    assert [u["id"] for u in deleted.json()["items"]] == [created["id"]]


async def test_list_searches_filters_sorts_and_pages(user_service: RunningUserService) -> None:
    names = ["Alan Turing", "Barbara Liskov", "Claude Shannon", "Donald Knuth", "Edsger Dijkstra"]
    for index, name in enumerate(names):
        await user_service.create_user(
            email=f"u{index}@example.edu",
            display_name=name,
            roles=["instructor"] if index % 2 == 0 else ["student"],
        )
    await user_service.create_user(
        email="other@example.edu", display_name="Alan Kay", college_id="college-b"
    )

    client, admin = user_service.client, user_service.admin()
    page1 = (await client.get("/users?limit=2&offset=0", headers=admin)).json()
    page2 = (await client.get("/users?limit=2&offset=2", headers=admin)).json()
    assert [u["display_name"] for u in page1["items"]] == names[:2]
    assert [u["display_name"] for u in page2["items"]] == names[2:4]
    assert page1["total"] == 5 and page1["has_more"] is True  # the other college is not counted

    search = (await client.get("/users?q=alan", headers=admin)).json()
    assert [u["display_name"] for u in search["items"]] == ["Alan Turing"]
    by_email = (await client.get("/users?q=U3@EXAMPLE", headers=admin)).json()
    assert [u["display_name"] for u in by_email["items"]] == ["Donald Knuth"]

    instructors = (await client.get("/users?role=instructor", headers=admin)).json()
    assert [u["display_name"] for u in instructors["items"]] == [names[0], names[2], names[4]]

    descending = (await client.get("/users?sort=-display_name&limit=1", headers=admin)).json()
    assert descending["items"][0]["display_name"] == "Edsger Dijkstra"

    bad = await client.get("/users?limit=1000", headers=admin)
    assert bad.status_code == 400


async def test_preferences_round_trip(user_service: RunningUserService) -> None:
    created = await user_service.create_user()
    me = user_service.token(created["id"])
    defaults = await user_service.client.get(f"/users/{created['id']}/preferences", headers=me)
    assert defaults.status_code == 200
    assert defaults.json()["digest_frequency"] == "daily"

    wanted = {
        **defaults.json(),
        "digest_frequency": "weekly",
        "theme": "dark",
        "email_notifications": False,
    }
    saved = await user_service.client.put(
        f"/users/{created['id']}/preferences", json=wanted, headers=me
    )
    assert saved.status_code == 200, saved.text
    assert saved.json() == wanted
    again = await user_service.client.get(f"/users/{created['id']}/preferences", headers=me)
    assert again.json() == wanted

    invalid = await user_service.client.put(
        f"/users/{created['id']}/preferences", json={**wanted, "theme": "neon"}, headers=me
    )
    assert invalid.status_code == 400
