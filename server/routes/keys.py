"""`/v1/keys`: API keys, admin only — create (the key is shown once), list, revoke (never the last
active admin key: a 409)."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import delete, get, post

from server.auth import ADMIN
from server.errors import ERROR_RESPONSES, APIError
from server.protocol import Request
from server.state.keys import KeyNotFound, KeyStore, LastAdminKey
from server.state.tables import APIKeyRow


class CreateKeyRequest(Request, kw_only=True):
    name: str
    scope: Literal["admin", "user"] = "user"


class KeyObject(msgspec.Struct, kw_only=True):
    id: str
    object: Literal["api_key"] = "api_key"
    name: str
    scope: str
    prefix: str  # the key's first characters, to tell keys apart
    created_at: int
    revoked_at: int | None
    last_used_at: int | None
    key: str | None = None  # only in the answer to create


class KeyList(msgspec.Struct, kw_only=True):
    object: Literal["list"] = "list"
    data: list[KeyObject]


def key_object(row: APIKeyRow, key: str | None = None) -> KeyObject:
    return KeyObject(id=row.id, name=row.name, scope=row.scope, prefix=row.prefix,
                     created_at=row.created_at, revoked_at=row.revoked_at,
                     last_used_at=row.last_used_at, key=key)


@post("/v1/keys", status_code=200, summary="Create an API key", opt=ADMIN,
      responses=ERROR_RESPONSES)
async def create_key(data: CreateKeyRequest, keys: KeyStore) -> KeyObject:
    if not data.name.strip():
        raise APIError("Invalid 'name': empty string.", param="name", code="invalid_value")
    row, key = await keys.create(name=data.name, scope=data.scope)
    return key_object(row, key)


@get("/v1/keys", summary="List API keys", opt=ADMIN, responses=ERROR_RESPONSES)
async def list_keys(keys: KeyStore) -> KeyList:
    return KeyList(data=[key_object(row) for row in await keys.list()])


@delete("/v1/keys/{key_id:str}", status_code=200, summary="Revoke an API key", opt=ADMIN,
        responses=ERROR_RESPONSES)
async def revoke_key(key_id: str, keys: KeyStore) -> KeyObject:
    try:
        return key_object(await keys.revoke(key_id))
    except KeyNotFound:
        raise APIError(f"No API key with id '{key_id}'.", status_code=404, param="key_id",
                       code="not_found") from None
    except LastAdminKey:
        raise APIError(f"'{key_id}' is the last active admin key: revoking it would leave no "
                       "one able to manage keys. Create another admin key first.",
                       status_code=409, param="key_id", code="last_admin_key") from None
