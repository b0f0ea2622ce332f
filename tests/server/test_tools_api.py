"""`/v1/tools` against the live server: the built-in tools' schemas, and invocations that run in
the real sandbox, with produced files returned as Files."""

from __future__ import annotations

import httpx
import openai


def test_lists_the_builtin_tools_with_schemas(http: httpx.Client) -> None:
    tools = {t["function"]["name"]: t["function"] for t in http.get("/v1/tools").json()["data"]}
    assert set(tools) == {"code_interpreter", "calculator", "read_file", "write_file"}
    assert tools["calculator"]["parameters"]["required"] == ["expression"]
    assert tools["write_file"]["parameters"]["properties"]["content"]["type"] == "string"


def test_calculator_and_its_errors(http: httpx.Client) -> None:
    ok = http.post("/v1/tools/calculator/invoke", json={"arguments": {"expression": "2**10 + 1"}})
    assert ok.status_code == 200 and ok.json()["output"] == "1025" and not ok.json()["is_error"]
    bad = http.post("/v1/tools/calculator/invoke",
                    json={"arguments": '{"expression": "__import__(\'os\')"}'}).json()
    assert bad["is_error"] and "not allowed" in bad["output"].lower(), bad
    broken = http.post("/v1/tools/calculator/invoke", json={"arguments": "{not json"}).json()
    assert broken["is_error"] and "not valid JSON" in broken["output"]
    missing = http.post("/v1/tools/calculator/invoke", json={"arguments": {}}).json()
    assert missing["is_error"] and "expression" in missing["output"]


def test_code_interpreter_runs_sandboxed_and_returns_files(http: httpx.Client,
                                                           client: openai.OpenAI) -> None:
    code = ("a, b = 0, 1\nfor _ in range(30):\n    a, b = b, a + b\nprint(a)\n"
            "open('fib.txt', 'w').write(str(a))\n"
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 80), 1)\n"
            "except OSError as e:\n    print('network:', type(e).__name__)\n")
    reply = http.post("/v1/tools/code_interpreter/invoke", json={"arguments": {"code": code}})
    result = reply.json()
    assert reply.status_code == 200 and not result["is_error"], result
    assert result["output"].splitlines()[0] == "832040"
    assert "network: PermissionError" in result["output"]
    (produced,) = result["files"]
    assert produced["path"] == "fib.txt"
    assert client.files.content(produced["file_id"]).text == "832040"


def test_unknown_tool_is_404(http: httpx.Client) -> None:
    reply = http.post("/v1/tools/rm_rf/invoke", json={"arguments": {}})
    assert reply.status_code == 404 and reply.json()["error"]["param"] == "name"
