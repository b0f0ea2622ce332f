"""Checks on a JSON schema before it becomes a grammar: nesting depth, and whether any finite JSON
value satisfies it (a required property that refers back to its own schema has none, nor has
`minItems` above `maxItems`: generation could only run until the token budget ends, or fail).
Both are the caller's errors, found before any work, in time linear in the schema's size.
"""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 128  # JSON levels of a schema; a real one rarely passes 20
MAX_REFS = 256  # distinct $ref targets
# JSON values in a schema. OpenAI's structured outputs allow 5,000 properties (about 25,000
# values); each value costs this check ~10 us, all on the event loop.
MAX_VALUES = 50_000
_SCALARS = ("boolean", "null")


class SchemaError(ValueError):
    """The schema cannot constrain an answer; the message says why."""


def check_schema(schema: dict[str, Any]) -> None:
    """Raise SchemaError if `schema` is nested past MAX_DEPTH, holds more than MAX_VALUES values
    or has no finite instance."""
    _check_size(schema)
    found = _refs(schema)
    if len(found) > MAX_REFS:
        raise SchemaError(f"the JSON schema has more than {MAX_REFS} distinct $ref targets")
    graph = _Graph({ref: _resolve(schema, ref) for ref in found})
    root = graph.build(schema)
    finite = graph.solve()
    if not finite[root]:
        why = graph.why(root, finite)
        raise SchemaError(f"the JSON schema has no finite instance{why}: no value satisfies it, "
                          "or every value it allows contains itself without end (a required "
                          "property, or an array's minimum items, that refers back to the "
                          "schema); give the recursion a way out, such as an optional property "
                          "or an array that may be empty")


def _check_size(schema: Any) -> None:
    stack, values = [(schema, 1)], 0
    while stack:
        node, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise SchemaError(f"the JSON schema holds more than {MAX_VALUES} values")
        if depth > MAX_DEPTH:
            raise SchemaError(f"the JSON schema is nested more than {MAX_DEPTH} levels deep")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) \
            else ()
        stack.extend((child, depth + 1) for child in children)


def _refs(schema: Any) -> set[str]:
    found, stack = set(), [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.add(node["$ref"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _resolve(root: Any, ref: str) -> Any:
    """A local ref's target ("#", "#/$defs/A"); None for what this check does not follow."""
    if not ref.startswith("#"):
        return None
    node = root
    for raw in filter(None, ref[1:].split("/")):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


class _Graph:
    """The schema as AND / OR gates: a subschema has a finite instance when all its parts do
    (allOf, required properties, minimum items, its $ref's target) and, where it offers choices
    (anyOf, oneOf, a list of types), one of them does. The least solution, as for the productive
    symbols of a grammar, by counting down each gate's unmet children: linear in the gates.
    Where this check is unsure it adds nothing: only a certain dead end is refused."""

    def __init__(self, refs: dict[str, Any]) -> None:
        self.refs = refs
        self.all: list[bool] = []  # per gate: True AND, False OR
        self.children: list[list[int]] = []
        self.reasons: dict[int, str] = {}  # dead leaves that know why (`minItems 3 > ...`)
        self._by_node: dict[int, int] = {}
        self._by_ref: dict[str, int] = {}
        self._pending: list[str] = []
        self.true = self._gate(True)

    def _gate(self, is_all: bool, children: list[int] | None = None) -> int:
        self.all.append(is_all)
        self.children.append(children or [])
        return len(self.all) - 1

    def _dead(self, reason: str = "") -> int:
        gate = self._gate(False)
        if reason:
            self.reasons[gate] = reason
        return gate

    def build(self, schema: Any) -> int:
        """The root's gate; each $ref target's is built once, from a worklist (a chain of refs
        never deepens the Python stack)."""
        root = self._node(schema)
        while self._pending:
            ref = self._pending.pop()
            self.children[self._by_ref[ref]].append(self._node(self.refs[ref]))
        return root

    def solve(self) -> bytearray:
        parents: list[list[int]] = [[] for _ in self.all]
        for gate, children in enumerate(self.children):
            for child in children:
                parents[child].append(gate)
        need = [len(c) if a else 1 for a, c in zip(self.all, self.children, strict=True)]
        finite = bytearray(len(self.all))
        ready = [g for g, (a, c) in enumerate(zip(self.all, self.children, strict=True))
                 if a and not c]
        for gate in ready:
            finite[gate] = 1
        while ready:
            for parent in parents[ready.pop()]:
                if not finite[parent]:
                    need[parent] -= 1
                    if need[parent] == 0:
                        finite[parent] = 1
                        ready.append(parent)
        return finite

    def why(self, gate: int, finite: bytearray) -> str:
        """The contradiction behind a dead gate, followed down dead children (none where the
        cause is recursion), as ` (minItems 3 is more than maxItems 1)`."""
        seen: set[int] = set()
        while gate not in seen:
            seen.add(gate)
            if gate in self.reasons:
                return f" ({self.reasons[gate]})"
            dead = [c for c in self.children[gate] if not finite[c]]
            if not dead:
                return ""
            gate = dead[0]
        return ""

    # ---- building ------------------------------------------------------------------------------

    def _node(self, node: Any) -> int:
        if isinstance(node, bool):
            return self.true if node else self._dead()
        if not isinstance(node, dict):
            return self.true
        if id(node) not in self._by_node:
            gate = self._gate(True)
            self._by_node[id(node)] = gate
            self.children[gate] = self._parts(node)
        return self._by_node[id(node)]

    def _parts(self, node: dict[str, Any]) -> list[int]:
        parts = []
        ref = node.get("$ref")
        if isinstance(ref, str) and self.refs.get(ref) is not None:
            parts.append(self._ref(ref))
        if isinstance(node.get("enum"), list) and not node["enum"]:
            return [*parts, self._dead("an empty enum")]
        if node.get("not") is True or node.get("not") == {}:
            return [*parts, self._dead("'not' of every value")]
        if "enum" in node or "const" in node:
            return parts
        parts += [self._node(s) for s in _list(node, "allOf")]
        for key in ("anyOf", "oneOf"):
            if key in node:
                parts.append(self._gate(False, [self._node(s) for s in _list(node, key)]))
        types = node.get("type")
        kinds = types if isinstance(types, list) else [types] if isinstance(types, str) else None
        if kinds is not None:  # none: each bound applies to its own type, and another type fits
            choices = [self._kind(node, kind) for kind in kinds]
            parts.append(self._gate(False, choices) if choices else
                         self._dead("an empty list of types"))
        return parts

    def _ref(self, ref: str) -> int:
        if ref not in self._by_ref:
            self._by_ref[ref] = self._gate(True)
            self._pending.append(ref)
        return self._by_ref[ref]

    def _kind(self, node: dict[str, Any], kind: Any) -> int:
        if kind == "string":
            crossed = self._ordered(node, "minLength", "maxLength")
            return self.true if crossed is None else crossed
        if kind in ("number", "integer"):
            return self._numbers(node, integer=kind == "integer")
        if kind == "object":
            return self._object(node)
        if kind == "array":
            return self._array(node)
        return self.true if kind in _SCALARS else self._dead(f"an unknown type {kind!r}")

    def _ordered(self, node: dict[str, Any], low_key: str, high_key: str) -> int | None:
        """A dead leaf if `low_key` is above `high_key` (minItems, maxItems), else None."""
        low, high = node.get(low_key), node.get(high_key)
        if _count(low) and _count(high) and low > high:
            return self._dead(f"{low_key} {low} is more than {high_key} {high}")
        return None

    def _numbers(self, node: dict[str, Any], *, integer: bool) -> int:
        low, low_open = _bound(node, "minimum", "exclusiveMinimum", max)
        high, high_open = _bound(node, "maximum", "exclusiveMaximum", min)
        if low is None or high is None:
            return self.true
        if integer:
            least = math.floor(low) + 1 if low_open or low != math.floor(low) else low
            most = math.ceil(high) - 1 if high_open or high != math.ceil(high) else high
            if least > most:
                return self._dead(f"no integer lies between {low} and {high}")
        elif low > high or (low == high and (low_open or high_open)):
            return self._dead(f"no number lies between {low} and {high}")
        return self.true

    def _object(self, node: dict[str, Any]) -> int:
        crossed = self._ordered(node, "minProperties", "maxProperties")
        if crossed is not None:
            return crossed
        required = sorted({name for name in _list(node, "required") if isinstance(name, str)})
        most = node.get("maxProperties")
        if _count(most) and len(required) > most:
            return self._dead(f"{len(required)} required properties but maxProperties {most}")
        properties = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        extra = node.get("additionalProperties", True)
        return self._gate(True, [self._node(properties.get(name, extra)) for name in required])

    def _array(self, node: dict[str, Any]) -> int:
        for low, high in (("minItems", "maxItems"), ("minContains", "maxContains")):
            crossed = self._ordered(node, low, high)
            if crossed is not None:
                return crossed
        prefix, items = _list(node, "prefixItems"), node.get("items", True)
        if isinstance(items, list):  # draft 4's tuple form
            prefix, items = items, node.get("additionalItems", True)
        least = node.get("minItems", 0) if _count(node.get("minItems")) else 0
        parts = [self._node(s) for s in prefix[:least]]
        if least > len(prefix):  # every item past the prefix is the same schema
            parts.append(self._node(items))
        contains = node.get("contains")
        if contains is not None and node.get("minContains", 1) != 0:
            parts.append(self._node(contains))
        return self._gate(True, parts)


def _bound(node: dict[str, Any], inclusive: str, exclusive: str, tighter: Any
           ) -> tuple[float | None, bool]:
    """The tighter of `minimum` / `exclusiveMinimum` (or the maxima): (value, is it open); draft
    4's boolean `exclusiveMinimum` makes `minimum` open."""
    given = node.get(inclusive)
    value = given if _number(given) else None
    is_open = node.get(exclusive) is True and value is not None
    other = node.get(exclusive)
    if _number(other) and (value is None or tighter(value, other) == other):
        value, is_open = other, True
    return value, is_open


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _list(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []
