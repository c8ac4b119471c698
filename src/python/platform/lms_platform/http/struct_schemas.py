"""msgspec structs in the OpenAPI document as msgspec decodes them.

Litestar's own struct schemas leave out what msgspec enforces: ``additionalProperties: false``
where a struct refuses unknown fields, every constraint of an array's items
(``list[Annotated[str, Meta(max_length=64)]]`` comes out as ``{type: string}``), and bounds
that are zero (``ge=0`` is dropped as falsy). A mapping (``dict[K, V]``) gets its size as a
string's (``minLength``) instead of ``minProperties``, nothing of its keys and nothing of its
values' constraints; ``StrictStructSchemaPlugin`` states them as msgspec checks them:
``minProperties``/``maxProperties``, ``propertyNames`` from the key type (length, pattern,
literal values) and the values' constraints. ``create_app`` registers it for every service.
"""

from __future__ import annotations

from typing import Any

import msgspec

# Litestar keeps its schema generator private; tests/platform/core/test_http_contract.py fails
# loudly if an upgrade moves it.
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import OpenAPIType, Reference, Schema
from litestar.typing import FieldDefinition

_SCALAR_CONSTRAINTS = {
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusive_minimum",
    "lt": "exclusive_maximum",
    "multiple_of": "multiple_of",
}
_ARRAYS = (
    msgspec.inspect.ListType,
    msgspec.inspect.SetType,
    msgspec.inspect.FrozenSetType,
    msgspec.inspect.VarTupleType,
)
_MAPPINGS = (msgspec.inspect.DictType, msgspec.inspect.FrozenDictType)


def _branches(schema: Schema, holds: str) -> list[Schema]:
    """``schema`` if it has ``holds`` set, else its ``oneOf`` branches that have: an
    ``X | UnsetType`` field is a oneOf of one branch (msgspec drops UNSET from the type)."""
    if getattr(schema, holds) is not None:
        return [schema]
    return [
        b for b in schema.one_of or () if isinstance(b, Schema) and getattr(b, holds) is not None
    ]


def _key_names(key: msgspec.inspect.Type) -> Schema | None:
    """``propertyNames`` of a mapping with ``key`` keys: what msgspec checks of a key."""
    names = Schema()
    _constrain(names, key, item=True)
    while isinstance(key, msgspec.inspect.Metadata):
        key = key.type
    if isinstance(key, msgspec.inspect.LiteralType):
        names.enum = list(key.values)
    elif isinstance(key, msgspec.inspect.EnumType):
        names.enum = [member.value for member in key.cls]
    return None if names == Schema() else names


def _constrain(
    schema: Schema | Reference | None, info: msgspec.inspect.Type, *, item: bool
) -> None:
    """Put back into ``schema`` what msgspec checks about ``info`` but Litestar left out."""
    if not isinstance(schema, Schema):
        return
    extra: dict[str, Any] = {}
    if isinstance(info, msgspec.inspect.Metadata):
        extra = (info.extra_json_schema or {}).get("extra", {})
        info = info.type
    if isinstance(info, msgspec.inspect.UnionType):
        arms = [arm for arm in info.types if not isinstance(arm, msgspec.inspect.NoneType)]
        branches = [
            b for b in schema.one_of or () if isinstance(b, Schema) and b.type != OpenAPIType.NULL
        ]
        if len(arms) == 1:
            for branch in branches or [schema]:
                _constrain(branch, arms[0], item=item)
        return
    wanted = {target: getattr(info, source, None) for source, target in _SCALAR_CONSTRAINTS.items()}
    if item:  # a field's own documented() extras are Litestar's to apply
        wanted |= extra
    if isinstance(info, _ARRAYS):
        wanted |= {"min_items": info.min_length, "max_items": info.max_length}
        wanted.pop("min_length"), wanted.pop("max_length")
    if isinstance(info, _MAPPINGS):
        wanted |= {"min_properties": info.min_length, "max_properties": info.max_length}
        wanted.pop("min_length"), wanted.pop("max_length")
        for wrong in [schema, *_branches(schema, "additional_properties")]:
            wrong.min_length = wrong.max_length = None  # Litestar's: sizes as string lengths
    for name, value in wanted.items():
        if value is not None and getattr(schema, name, None) is None:
            setattr(schema, name, value)
    if isinstance(info, _ARRAYS):
        # ``list[X] | UnsetType``: msgspec drops UNSET from the type, Litestar still wraps the
        # array in a oneOf, so the items to constrain are the branch's.
        arrays = [schema] if schema.items is not None else [
            b for b in schema.one_of or () if isinstance(b, Schema) and b.items is not None
        ]  # fmt: skip
        for array in arrays:
            _constrain(array.items, info.item_type, item=True)
    if isinstance(info, _MAPPINGS):
        names = _key_names(info.key_type)
        for mapping in _branches(schema, "additional_properties"):
            if names is not None and mapping.property_names is None:
                mapping.property_names = names
            values = mapping.additional_properties
            if not isinstance(values, bool):
                _constrain(values, info.value_type, item=True)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """msgspec structs as Litestar documents them, plus what Litestar leaves out although
    decoding enforces it: ``additionalProperties: false`` where the struct refuses unknown
    fields, the constraints of array items, and zero bounds."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        info = msgspec.inspect.type_info(struct)
        if isinstance(info, msgspec.inspect.StructType):
            for struct_field in info.fields:
                prop = (schema.properties or {}).get(struct_field.encode_name)
                _constrain(prop, struct_field.type, item=False)
        return schema
