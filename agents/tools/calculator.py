"""Safe arithmetic: walks Python's AST of the expression and evaluates only numbers, operators and
a list of math functions; no `eval`, no names or attributes, and bounds on huge numbers. Standard
library only: the tool runs it as a script in a budgeted child process (`agents.tools.budget`)."""

from __future__ import annotations

import ast
import json
import math
import operator
import sys
from collections.abc import Callable
from typing import Any

MAX_INT_BITS = 100_000  # 9 ** 9 ** 9 would take minutes and gigabytes: refuse past this
MAX_EXPRESSION_CHARS = 10_000

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs, "round": round, "min": min, "max": max,
    **{name: getattr(math, name) for name in (
        "sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan",
        "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "gcd", "lcm", "hypot", "degrees",
        "radians", "isqrt")},
    "factorial": lambda n: math.factorial(n) if n <= 5000 else _too_big("factorial"),
    "comb": lambda n, k: math.comb(n, k) if _small(min(k, n - k), n) else _too_big("comb"),
    "perm": lambda n, k=None: math.perm(n, k) if _small(n if k is None else k, n)
    else _too_big("perm"),
}


class CalculatorError(ValueError):
    pass


def _too_big(what: str) -> Any:
    raise CalculatorError(f"{what}: result too large")


def _small(count: object, n: object) -> bool:
    """Whether n ** count (a bound on comb and perm) has at most MAX_INT_BITS bits; the math
    module checks the types and signs itself."""
    if not (isinstance(count, int) and isinstance(n, int)):
        return True
    return count <= 0 or count * max(n, 1).bit_length() <= MAX_INT_BITS


def _check(value: Any, what: str) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        _too_big(what)
    return value


def _pow(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * abs(base).bit_length() > MAX_INT_BITS:
            _too_big("power")
    return base**exponent


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        value = _pow(left, right) if isinstance(node.op, ast.Pow) else _BINARY[type(node.op)](left, right)
        return _check(value, "expression")
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS and not node.keywords):
        return _check(_FUNCTIONS[node.func.id](*[_eval(arg) for arg in node.args]), node.func.id)
    shown = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
    raise CalculatorError(f"not allowed in an expression: {shown!r}")


def evaluate(expression: str) -> int | float:
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculatorError(f"not an arithmetic expression: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise CalculatorError("expression nested too deeply") from None
    try:
        return _eval(tree)
    except RecursionError:
        raise CalculatorError("expression nested too deeply") from None
    except (ZeroDivisionError, OverflowError, TypeError) as exc:
        raise CalculatorError(str(exc)) from None
    except ValueError as exc:  # math domain errors, and ours
        raise CalculatorError(str(exc)) from None


def main() -> None:
    """The child's side of `agents.tools.budget.run_script`: {"expression"} in, repr out."""
    sys.set_int_max_str_digits(0)  # MAX_INT_BITS bounds the digits; the budget bounds the time
    try:
        reply = {"value": repr(evaluate(json.load(sys.stdin)["expression"]))}
    except CalculatorError as exc:
        reply = {"error": str(exc)}
    except (ValueError, MemoryError) as exc:
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
