"""engine.schema_check on its own: schemas with no finite instance (recursion with no way out,
contradictory bounds, empty choices) are refused with the reason; schemas with a way out, and the
bounds that leave room, pass; nesting, size and $ref counts are capped without recursing in Python."""

from __future__ import annotations

import pytest

from engine.schema_check import MAX_DEPTH, MAX_REFS, MAX_VALUES, SchemaError, check_schema

SELF = {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}

# (schema, a phrase the error names)
DEAD = {
    "a required self": (SELF, "no finite instance"),
    "mutual refs": ({"$defs": {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "required": ["b"]},
        "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "required": ["a"]}},
        "$ref": "#/$defs/A"}, "no finite instance"),
    "draft-4 definitions, tuple items": ({"definitions": {"L": {
        "type": "array", "items": [{"$ref": "#/definitions/L"}], "minItems": 1}},
        "$ref": "#/definitions/L"}, "no finite instance"),
    "oneOf, every branch recursing": ({"oneOf": [SELF, {"allOf": [{"$ref": "#"}]}]},
                                      "no finite instance"),
    "minItems above maxItems": ({"type": "array", "minItems": 3, "maxItems": 1},
                                "minItems 3 is more than maxItems 1"),
    "a required property whose string bounds cross": ({
        "type": "object", "properties": {"s": {"type": "string", "minLength": 5,
                                               "maxLength": 2}},
        "required": ["s"]}, "minLength 5 is more than maxLength 2"),
    "minContains above maxContains": ({"type": "array", "contains": {"type": "string"},
                                       "minContains": 2, "maxContains": 1}, "minContains 2"),
    "a number range that is empty": ({"type": "number", "minimum": 3, "maximum": 2},
                                     "no number lies between 3 and 2"),
    "an open range of one point": ({"type": "number", "minimum": 1, "exclusiveMaximum": 1},
                                   "no number lies between 1 and 1"),
    "draft-4 boolean exclusive bounds": ({"type": "number", "minimum": 1, "maximum": 1,
                                          "exclusiveMinimum": True}, "no number"),
    "an integer range between two integers": ({"type": "integer", "minimum": 1.2,
                                               "maximum": 1.8}, "no integer"),
    "more required properties than maxProperties": ({
        "type": "object", "required": ["a", "b"], "maxProperties": 1}, "maxProperties 1"),
    "minProperties above maxProperties": ({"type": "object", "minProperties": 3,
                                           "maxProperties": 2}, "minProperties 3"),
    "a required property not allowed": ({"type": "object", "properties": {},
                                         "additionalProperties": False, "required": ["a"]},
                                        "no finite instance"),
    "an empty enum in a required property": ({
        "type": "object", "properties": {"a": {"enum": []}}, "required": ["a"]}, "empty enum"),
    "an empty type list": ({"type": []}, "empty list of types"),
    "not anything": ({"not": {}}, "'not' of every value"),
    "an array whose items are false": ({"type": "array", "items": False, "minItems": 1},
                                       "no finite instance"),
    "a dead end under every type": ({"type": ["array", "string"], "minItems": 2, "maxItems": 1,
                                     "minLength": 3, "maxLength": 0}, "minItems 2"),
}

ALIVE = {
    "a tree whose children may be empty": {"type": "object", "properties": {
        "children": {"type": "array", "items": {"$ref": "#"}}}, "required": ["children"]},
    "a list ending in null": {"$defs": {"n": {"type": "object", "properties": {"next": {
        "anyOf": [{"$ref": "#/$defs/n"}, {"type": "null"}]}}, "required": ["next"]}},
        "$ref": "#/$defs/n"},
    "an optional self": {"type": "object", "properties": {"more": {"$ref": "#"}}},
    "bounds that leave one value": {"type": "object", "properties": {
        "i": {"type": "integer", "minimum": 2, "maximum": 2},
        "x": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e-9},
        "s": {"type": "string", "minLength": 3, "maxLength": 3},
        "a": {"type": "array", "minItems": 2, "maxItems": 2}},
        "required": ["i", "x", "s", "a"], "maxProperties": 4},
    "crossed bounds in a branch with a way out": {"anyOf": [
        {"type": "array", "minItems": 3, "maxItems": 1}, {"type": "null"}]},
    "crossed bounds in an optional property": {"type": "object", "properties": {
        "a": {"type": "string", "minLength": 9, "maxLength": 1}}},
    "bounds with no type (another type satisfies them)": {"minItems": 3, "maxItems": 1},
    "a second type that is satisfiable": {"type": ["array", "null"], "minItems": 3,
                                          "maxItems": 1},
    "an external ref (not followed)": {"$ref": "https://example.com/schema.json"},
    "bound-like keys inside enum values are data": {"enum": [{"minItems": 3, "maxItems": 1}]},
}


@pytest.mark.parametrize("shape", list(DEAD))
def test_schemas_with_no_finite_instance_are_refused_with_the_reason(shape: str) -> None:
    schema, phrase = DEAD[shape]
    with pytest.raises(SchemaError, match="no finite instance") as caught:
        check_schema(schema)
    assert phrase in str(caught.value)


@pytest.mark.parametrize("shape", list(ALIVE))
def test_schemas_with_an_instance_pass(shape: str) -> None:
    check_schema(ALIVE[shape])


def test_nesting_is_capped_without_recursion() -> None:
    deep: dict = {"type": "string"}
    for _ in range(50_000):  # far past Python's recursion limit: the check must not recurse
        deep = {"type": "object", "properties": {"a": deep}}
    with pytest.raises(SchemaError, match=f"more than {MAX_DEPTH} levels"):
        check_schema(deep)
    shallow: dict = {"type": "string"}
    for _ in range(MAX_DEPTH // 3):
        shallow = {"type": "object", "properties": {"a": shallow}, "required": ["a"]}
    check_schema(shallow)


def test_ref_targets_are_capped() -> None:
    defs = {f"d{i}": {"type": "string"} for i in range(MAX_REFS + 1)}
    schema = {"$defs": defs, "anyOf": [{"$ref": f"#/$defs/{name}"} for name in defs]}
    with pytest.raises(SchemaError, match="\\$ref targets"):
        check_schema(schema)
    check_schema({"$defs": dict(list(defs.items())[:MAX_REFS]),
                  "anyOf": [{"$ref": f"#/$defs/d{i}"} for i in range(MAX_REFS)]})


def test_size_is_capped() -> None:
    wide = {"type": "object", "properties": {f"p{i}": {"type": "string"}
                                             for i in range(MAX_VALUES // 2)}}
    with pytest.raises(SchemaError, match=f"more than {MAX_VALUES} values"):
        check_schema(wide)
    check_schema({"type": "object", "properties": {f"p{i}": {"type": "string"}
                                                   for i in range(MAX_VALUES // 4)}})


@pytest.mark.parametrize("last", [{"type": "string"}, {"$ref": "#/$defs/d000"}])
def test_a_long_chain_of_refs_is_followed_to_its_end(last: dict) -> None:
    """Each ref needs the next: finite only if the chain ends somewhere (no pass per link, no
    Python recursion per link)."""
    n = MAX_REFS
    defs = {f"d{i:03d}": {"type": "object", "required": ["n"], "properties": {
        "n": {"$ref": f"#/$defs/d{i + 1:03d}"} if i + 1 < n else last}} for i in range(n)}
    schema = {"$defs": defs, "$ref": "#/$defs/d000"}
    if "$ref" in last:
        with pytest.raises(SchemaError, match="no finite instance"):
            check_schema(schema)
    else:
        check_schema(schema)
