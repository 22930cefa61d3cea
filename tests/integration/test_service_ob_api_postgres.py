"""The OB 3.0 API's OAuth flow and resources on PostgreSQL: the same service, the registry on
the throwaway server of scripts/ci-postgres.sh (``postgres`` marker)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tests.integration.ob_api_kit import full_flow, make_provider
from tests.integration.service_helpers import client, serve

from mcbadge.registry.oauth import OB_SCOPES
from pg_fixture import pg_url_or_skip

pytestmark = pytest.mark.postgres


def test_code_flow_refresh_and_resources_on_postgresql(tmp_path: Path) -> None:
    pg_url = pg_url_or_skip()
    # a teacher of its own per run: the database is shared by every PostgreSQL test
    teacher = f"pg-{uuid.uuid4().hex[:12]}@school.example"
    provider = make_provider(tmp_path, pg_url, badges=3, teacher=teacher)
    with serve(provider.config) as base, client(base) as http:
        registered, body = full_flow(http, provider)
        assert set(body["scope"].split()) >= set(OB_SCOPES)
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        page = http.get("/ims/ob/v3p0/credentials", params={"limit": 2}, headers=headers)
        assert page.status_code == 200
        assert page.headers["x-total-count"] == "3"
        assert 'rel="next"' in page.headers["link"]
        credential = {**provider.issued[0], "id": f"https://elsewhere.example/{uuid.uuid4()}"}
        created = http.post("/ims/ob/v3p0/credentials", json=credential, headers=headers)
        assert created.status_code == 201
        again = http.post("/ims/ob/v3p0/credentials", json=credential, headers=headers)
        assert again.status_code == 304
        auth = (registered["client_id"], registered["client_secret"])
        rotated = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
            auth=auth,
        )
        assert rotated.status_code == 200, rotated.text
        replay = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
            auth=auth,
        )
        assert replay.json()["error"] == "invalid_grant"
        new_headers = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
        assert http.get("/ims/ob/v3p0/profile", headers=new_headers).status_code == 401
