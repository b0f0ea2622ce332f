"""Tools: JSON Schema from hints and docstrings, invocation that never raises, the calculator's
refusals, file tools confined to the work folder, and the sandboxed code interpreter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest

from agents.records import Observation
from agents.sandbox import SandboxConfig, Workspace
from agents.tools import Tool, Toolbox, WorkspaceTools, calculator
from agents.tools.calculator import CalculatorError, evaluate


def convert(amount: float, unit: Literal["km", "mi"], digits: int | None = None,
            tags: list[str] | None = None) -> dict:
    """Convert a distance.

    Args:
        amount: how far, in the
            other unit.
        unit (str): the unit to convert to.
        digits: rounding.
    """
    value = amount * 1.609 if unit == "km" else amount / 1.609
    return {"value": round(value, digits) if digits is not None else value, "tags": tags or []}


def test_schema_from_hints_and_docstring() -> None:
    spec = Tool(convert).spec()["function"]
    assert spec["name"] == "convert" and spec["description"] == "Convert a distance."
    params = spec["parameters"]
    assert params["required"] == ["amount", "unit"] and params["additionalProperties"] is False
    assert params["properties"]["amount"] == {"type": "number",
                                              "description": "how far, in the other unit."}
    assert params["properties"]["unit"]["enum"] == ["km", "mi"]
    assert params["properties"]["digits"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert params["properties"]["tags"]["anyOf"][0] == {"type": "array", "items": {"type": "string"}}
    assert "description" not in params["properties"]["tags"]


def test_a_tool_without_hints_or_docstring_is_refused() -> None:
    def untyped(x):  # noqa: ANN001
        """Doc."""
    def undocumented(x: int) -> int:
        return x
    with pytest.raises(TypeError, match="type hint"):
        Tool(untyped)
    with pytest.raises(TypeError, match="docstring"):
        Tool(undocumented)


async def test_invoke_never_raises() -> None:
    def boom(x: int) -> str:
        """Fails."""
        raise RuntimeError(f"broke on {x}")
    box = Toolbox([Tool(convert), Tool(boom)])
    ok = await box.invoke("convert", '{"amount": 10, "unit": "km", "digits": 1}')
    assert ok == Observation(content='{"value":16.1,"tags":[]}')
    cases = [
        ("nope", "{}", "unknown tool 'nope'; available: convert, boom"),
        ("convert", "{amount: 1", "not valid JSON"),
        ("convert", "[1, 2]", "must be a JSON object"),
        ("convert", '{"amount": 1}', "missing required argument(s) unit"),
        ("convert", '{"amount": "far", "unit": "km"}', "argument 'amount': Expected `float`, got `str`"),
        ("convert", '{"amount": 1, "unit": "yd"}', "argument 'unit'"),
        ("convert", '{"amount": 1, "unit": "km", "speed": 2}', "unknown argument(s) speed"),
        ("boom", {"x": 3}, "RuntimeError: broke on 3"),
    ]
    for name, arguments, message in cases:
        observation = await box.invoke(name, arguments)
        assert observation.is_error and message in observation.content, observation


def test_calculator() -> None:
    assert evaluate("(3 + 4) ** 2 / 7") == 7.0
    assert evaluate("2 ** 100") == 1267650600228229401496703205376
    assert evaluate("sqrt(16) + factorial(5) - -1") == 125.0
    assert evaluate("round(pi, 3)") == 3.142
    assert evaluate("comb(50, 25) + perm(10, 3) + perm(5)") == 126410606437752 + 720 + 120
    for bad in ["__import__('os').system('id')", "x + 1", "(1).__class__", "9 ** 9 ** 9",
                "factorial(10 ** 6)", "1 / 0", "[1, 2]", "'a' * 3", "sqrt(-1)", "2 +",
                "comb(3000000, 1500000)", "perm(1000000)", "perm(10 ** 6, 10 ** 5)",
                "-" * 9000 + "1", "1" + " + 1" * 5000]:
        with pytest.raises(CalculatorError):
            evaluate(bad)


async def test_calculator_tool_reports_errors_as_observations() -> None:
    box = Toolbox([Tool(calculator)])
    assert (await box.invoke("calculator", {"expression": "6 * 7"})).content == "42"
    error = await box.invoke("calculator", {"expression": "open('/etc/passwd')"})
    assert error.is_error and "not allowed" in error.content
    # past every input check, the child's CPU budget ends it
    slow = await box.invoke("calculator", {"expression": "round(1, -10 ** 8)"})
    assert slow.is_error and "CPU budget" in slow.content, slow


async def test_file_tools_stay_in_the_work_folder(sandbox_config: SandboxConfig) -> None:
    with Workspace(sandbox_config) as workspace:
        box = WorkspaceTools(workspace, sandbox_config).toolbox()
        wrote = await box.invoke("write_file", {"path": "notes/a.txt", "content": "héllo"})
        assert not wrote.is_error and wrote.files == ["notes/a.txt"]
        assert (workspace.folder / "notes/a.txt").stat().st_uid == workspace.uid
        assert (await box.invoke("read_file", {"path": "/workspace/notes/a.txt"})).content == "héllo"
        os.symlink("/etc/shadow", workspace.folder / "shadow")
        os.symlink("/etc", workspace.folder / "etc")
        os.mkfifo(workspace.folder / "pipe")
        for path in ["../x", "/etc/passwd", "shadow", "etc/passwd", "pipe", "notes/../../x"]:
            read = await box.invoke("read_file", {"path": path})
            assert read.is_error, (path, read)
        for path in ["shadow", "etc/evil", "/tmp/evil", "../evil"]:
            write = await box.invoke("write_file", {"path": path, "content": "x"})
            assert write.is_error, (path, write)
        assert not Path("/etc/evil").exists() and "root:" not in read.content


async def test_code_interpreter_is_stateful_and_sandboxed(sandbox_config: SandboxConfig) -> None:
    with Workspace(sandbox_config) as workspace:
        tools = WorkspaceTools(workspace, sandbox_config)
        box = tools.toolbox()
        try:
            first = await box.invoke("code_interpreter", {"code": "import os\ntotal = 40 + 2\n"
                                                                  "open('r.txt', 'w').write(str(total))"})
            assert not first.is_error and first.files == ["r.txt"], first
            second = await box.invoke("code_interpreter", {"code": "print(total, os.getuid() != 0)"})
            assert second.content == "42 True"
            failed = await box.invoke("code_interpreter", {"code": "open('/etc/shadow')"})
            assert failed.is_error and "FileNotFoundError" in failed.content
        finally:
            await tools.aclose()
        read = await box.invoke("read_file", {"path": "r.txt"})
        assert read.content == "42"


async def test_one_shot_code_interpreter(sandbox_config: SandboxConfig) -> None:
    with Workspace(sandbox_config) as workspace:
        box = WorkspaceTools(workspace, sandbox_config, stateful=False).toolbox()
        ran = await box.invoke("code_interpreter", {"code": "import sys; print('hi'); sys.exit(2)"})
        assert ran.is_error and ran.content == "hi\n[exit code 2]"
