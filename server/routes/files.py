"""OpenAI's Files API: `POST /v1/files` (multipart, streamed to disk under a size cap),
`GET /v1/files` (cursor pages), `GET /v1/files/{id}`, `GET /v1/files/{id}/content` (streamed),
`DELETE /v1/files/{id}`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, delete, get, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import Parameter
from litestar.response import File

from server.errors import ERROR_RESPONSES, APIError
from server.protocol_data import FileDeleted, FileList, FileObject, page
from server.state.blobs import DiskFull
from server.state.files import PURPOSES, FileInUse, FileNotFound, FileStore
from server.state.tables import FileRow
from server.uploads import body_operation, disk_full, form_schema, read_form

_UPLOAD = body_operation({"multipart/form-data": form_schema(
    ["file", "purpose"], purpose=Schema(type=OpenAPIType.STRING, enum=list(PURPOSES)))})


def file_object(row: FileRow) -> FileObject:
    return FileObject(id=row.id, bytes=row.bytes, created_at=row.created_at,
                      filename=row.filename, purpose=row.purpose)


def check_purpose(value: str) -> None:
    if value not in PURPOSES:
        raise APIError(f"Invalid value for 'purpose': {value!r}; expected one of "
                       f"{', '.join(PURPOSES)}.", param="purpose", code="invalid_value")


def _check_form_field(name: str, value: str) -> None:
    if name == "purpose":
        check_purpose(value)


def no_such_file(file_id: str, param: str = "file_id") -> APIError:
    return APIError(f"No such File object: {file_id}", status_code=404, param=param,
                    code="not_found")


async def get_file(files: FileStore, file_id: str, param: str = "file_id") -> FileRow:
    try:
        return await files.get(file_id)
    except FileNotFound:
        raise no_such_file(file_id, param) from None


@post("/v1/files", status_code=200, summary="Upload a file (multipart: file, purpose)",
      request_max_body_size=None, responses=ERROR_RESPONSES, operation_class=_UPLOAD)
async def create_file(request: Request[Any, Any, Any], files: FileStore, state: State
                      ) -> FileObject:
    form = await read_form(request, files.blobs, state.max_file_bytes,
                           frozenset({"purpose"}), _check_form_field)
    try:
        if "purpose" not in form.fields:
            raise APIError("Missing required parameter: 'purpose'.", param="purpose",
                           code="missing_required_parameter")
        if form.file is None:
            raise APIError("Missing required parameter: 'file'.", param="file",
                           code="missing_required_parameter")
        if form.file.size == 0:
            raise APIError("The file is empty.", param="file", code="empty_file")
        row = await files.create(form.file, filename=form.filename or "upload",
                                 purpose=form.fields["purpose"])
    except BaseException as exc:
        if form.file is not None:
            form.file.path.unlink(missing_ok=True)
        if isinstance(exc, DiskFull):  # no room for the blob's folder entry
            raise disk_full() from None
        raise
    return file_object(row)


@get("/v1/files", summary="List files", responses=ERROR_RESPONSES)
async def list_files(
    files: FileStore,
    after: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=10_000)] = 10_000,
    order: Literal["asc", "desc"] = "desc",
    purpose: str | None = None,
) -> FileList:
    try:
        rows, has_more = await files.list(after=after, limit=limit, order=order, purpose=purpose)
    except FileNotFound:  # the cursor names no file
        raise no_such_file(after or "", "after") from None
    data = [file_object(r) for r in rows]
    return page(FileList, data, has_more)


@get("/v1/files/{file_id:str}", summary="Retrieve a file", responses=ERROR_RESPONSES)
async def retrieve_file(file_id: str, files: FileStore) -> FileObject:
    return file_object(await get_file(files, file_id))


@get("/v1/files/{file_id:str}/content", summary="Download a file's content",
     responses=ERROR_RESPONSES, media_type="application/octet-stream")
async def file_content(file_id: str, files: FileStore) -> File:
    row = await get_file(files, file_id)
    return File(path=files.content_path(row), filename=row.filename,
                media_type="application/octet-stream", content_disposition_type="attachment")


@delete("/v1/files/{file_id:str}", status_code=200, summary="Delete a file",
        responses=ERROR_RESPONSES)
async def delete_file(file_id: str, files: FileStore) -> FileDeleted:
    try:
        await files.delete(file_id)
    except FileNotFound:
        raise no_such_file(file_id) from None
    except FileInUse as busy:
        raise APIError(f"The file {file_id} is the input of dataset {busy} which is still "
                       "cleaning; delete it once the dataset has finished.", status_code=409,
                       param="file_id", code="file_in_use") from None
    return FileDeleted(id=file_id)
