"""Checking a JSON body against one of the SDK's pydantic models, strictly: it must
validate, and carry no key the model does not name (the SDK's models ignore extra
keys, so validation alone would let an invented field through)."""

from __future__ import annotations

import typing

from pydantic import BaseModel


def assert_conforms(model: type[BaseModel], body: object) -> BaseModel:
    """`body` validates as `model` and has no key the model (or a nested one) lacks."""
    parsed = model.model_validate(body)
    assert _unknown_keys(model, body) == [], f"keys {model.__name__} does not name"
    return parsed


def _unknown_keys(model: type[BaseModel], data: object, path: str = "") -> list[str]:
    if not isinstance(data, dict):
        return []
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    unknown = [f"{path}{key}" for key in data if key not in fields]
    for key, field in fields.items():
        if key not in data:
            continue
        value = data[key]
        for nested in _models_in(field.annotation):
            for item in value if isinstance(value, list) else [value]:
                unknown += _unknown_keys(nested, item, f"{path}{key}.")
    return unknown


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The models an annotation may hold: unwrapping Optional, List, Annotated, ..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
