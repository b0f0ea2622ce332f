"""Stored responses: the response object as sent, its input items, and the conversation it
ends, which `previous_response_id` continues. One short transaction per call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from server.state.db import Database
from server.state.ownership import creator, visible
from server.state.tables import ResponseRow


class ResponseNotFound(LookupError):
    pass


class ResponseStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, *, body: dict[str, Any], messages: list[dict[str, Any]],
                   input_items: list[dict[str, Any]]) -> None:
        row = ResponseRow(id=body["id"], created_at=body["created_at"], model=body["model"],
                          status=body["status"],
                          previous_response_id=body.get("previous_response_id"),
                          body=body, messages=messages, input_items=input_items,
                          owner=creator())
        async with self.db.session() as session, session.begin():
            session.add(row)

    async def get(self, response_id: str) -> ResponseRow:
        async with self.db.session() as session:
            row = await session.get(ResponseRow, response_id)
        if row is None or not visible(row):
            raise ResponseNotFound(response_id)
        return row

    async def delete(self, response_id: str) -> None:
        await self.get(response_id)  # another key's response is not found either
        async with self.db.session() as session, session.begin():
            result = await session.execute(delete(ResponseRow).where(ResponseRow.id == response_id))
        if result.rowcount == 0:
            raise ResponseNotFound(response_id)
