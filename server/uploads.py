"""Multipart uploads read as a stream: the file part goes to a temp blob chunk by chunk (never
whole in memory) under a byte cap, small text fields are kept. Litestar's own form parsing reads
the whole body first, so upload routes take the raw request and use this instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from server.errors import APIError
from server.state.blobs import BlobStore, DiskFull, Staged, StagingWriter, TooLarge

MAX_FIELD_BYTES = 64 * 1024  # a text field (purpose, pipeline, overrides JSON)
FORM_OVERHEAD = 64 * 1024  # boundaries, headers and text fields around the file


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    file: Staged | None = None
    filename: str | None = None


def too_large(max_bytes: int) -> APIError:
    return APIError(f"The file is larger than this server's limit of {max_bytes} bytes.",
                    status_code=413, param="file", code="file_too_large")


def disk_full() -> APIError:
    """507 Insufficient Storage: the server's condition, not the request's (a 413 would tell the
    client to shrink a file that any size may fail with). The OpenAI SDKs raise it as a server
    error; `x-should-retry: false` stops them re-sending the same bytes to the same full disk."""
    return APIError("The server's disk is full: there is no space left to store the file, and "
                    "nothing was kept. Try again once space has been freed.", status_code=507,
                    param="file", code="insufficient_storage",
                    headers={"x-should-retry": "false"})


async def read_form(request: Request[Any, Any, Any], blobs: BlobStore, max_bytes: int,
                    text_fields: frozenset[str], check_field=None) -> Form:  # noqa: ANN001
    """Parse a multipart body with one file part named `file` and the given text fields. Any
    other part is a 400. `check_field(name, value)` validates a text field as soon as it arrives,
    so a bad `purpose` sent before the file stops the upload before its bytes are read."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != "multipart/form-data" or not options.get("boundary"):
        raise APIError("Expected a multipart/form-data body with a 'file' part.",
                       status_code=400, param="file", code="invalid_request")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + FORM_OVERHEAD:
        raise too_large(max_bytes)  # announced too big: refuse before reading a byte
    form = Form()
    async with blobs.writer(max_bytes) as writer:
        try:
            await _parse(request, options["boundary"], form, writer, text_fields, check_field)
        except TooLarge:
            raise too_large(max_bytes) from None
        except DiskFull:
            raise disk_full() from None
        except MultipartError as exc:
            raise APIError(f"Malformed multipart body: {exc}", param="file",
                           code="invalid_request") from None
        if form.filename is not None:
            try:
                form.file = await writer.finish()
            except DiskFull:
                raise disk_full() from None
    return form


async def _parse(request: Request[Any, Any, Any], boundary: str, form: Form,
                 writer: StagingWriter, text_fields: frozenset[str], check_field) -> None:  # noqa: ANN001
    segment: MultipartSegment | None = None
    text = bytearray()
    with PushMultipartParser(boundary, max_segment_count=len(text_fields) + 1,
                             strict=True) as parser:
        async for chunk in request.stream():
            for event in parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    segment = _start(event, form, text_fields)
                    text.clear()
                elif event is not None:  # a piece of the current part's body
                    if segment is not None and segment.filename is not None:
                        await writer.write(bytes(event))
                    else:
                        text += event
                        if len(text) > MAX_FIELD_BYTES:
                            raise APIError(f"The form field '{segment.name}' is too long.",
                                           param=segment.name, code="invalid_value")
                elif segment is not None and segment.filename is None:  # end of a text part
                    value = text.decode("utf-8", errors="replace")
                    form.fields[segment.name] = value
                    if check_field is not None:
                        check_field(segment.name, value)
    # Leaving the `with` closes the parser, which raises on an incomplete body.


def _start(segment: MultipartSegment, form: Form, text_fields: frozenset[str]
           ) -> MultipartSegment:
    name = segment.name or ""
    if name == "file" and segment.filename is not None:
        if form.filename is not None:
            raise APIError("Send one file per request.", param="file", code="invalid_value")
        form.filename = segment.filename or "upload"
        return segment
    if name in text_fields and segment.filename is None:
        return segment
    raise APIError(f"Unrecognized form field: '{name}'.", param=name or None,
                   code="unknown_parameter")


def body_operation(content: dict[str, Schema]) -> type[Operation]:
    """An Operation class documenting a request body the handler reads itself (Litestar documents
    only a `data` parameter, which would make it parse, and hold, the whole body first)."""
    body = RequestBody(required=True, content={kind: OpenAPIMediaType(schema=schema)
                                               for kind, schema in content.items()})

    @dataclass
    class BodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = body

    return BodyOperation


def form_schema(required: list[str], **fields: Schema) -> Schema:
    """A multipart form: a binary `file` part plus the given text fields."""
    properties = {"file": Schema(type=OpenAPIType.STRING, format="binary"), **fields}  # type: ignore[arg-type]
    return Schema(type=OpenAPIType.OBJECT, properties=properties, required=required)
