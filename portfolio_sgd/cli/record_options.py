"""Click options generated from a settings record's fields.

A record field declared with :func:`portfolio_sgd.engine.config.setting` carries its
default and its one-line help; :func:`record_options` turns every field into the
``(declarations, attributes)`` of one click option, so a new field appears on the command
line with no second declaration. The rules:

- the flag is the field name with dashes (``batch_size`` -> ``--batch-size``); a ``bool``
  field is an on/off pair (``--restart/--no-restart``);
- the type comes from the annotation: an Enum (or ``Enum | None``) is a choice of its
  values, ``str`` with ``choices`` metadata is a choice, ``int`` with ``min`` metadata is
  a range, ``int``/``float``/``str`` otherwise;
- the default is the field's (an Enum's value), shown in ``--help`` unless it is None;
- a ``type`` in the metadata overrides the annotation (a field that takes a number on the
  command line but also vectors or mappings in the library: ``min_weight``);
- the help is the metadata's ``help``, else the first sentence of the field's entry in the
  record's NumPy-style docstring.

Reading the records loads no torch (:mod:`portfolio_sgd.engine.config` is pure data).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from typing import Any

import click

OptionSpec = tuple[tuple[str, ...], dict[str, Any]]


def record_options(record: type, skip: tuple[str, ...] = ()) -> dict[str, OptionSpec]:
    """The click option of every field of the dataclass ``record``, by field name.

    Parameters
    ----------
    record : dataclass type
        Fields declared with a ``help`` in their metadata.
    skip : tuple of str
        Fields without an option.

    Returns
    -------
    dict of str to (declarations, attributes)
        In field order; ``click.option(*decls, **attrs)`` builds each option.
    """
    hints = typing.get_type_hints(record)
    out = {}
    for f in dataclasses.fields(record):
        if f.name in skip:
            continue
        decls, attrs = field_option_spec(f, hints[f.name])
        attrs["help"] = attrs["help"] or docstring_help(record, f.name)
        out[f.name] = (decls, attrs)
    return out


def docstring_help(record: type, name: str) -> str | None:
    """The first sentence of ``name``'s entry in ``record``'s NumPy-style docstring."""
    lines = (record.__doc__ or "").splitlines()
    for i, line in enumerate(lines):
        names = line.strip().split(" : ")[0]
        if line.startswith("    ") and " : " in line and name in names.replace(" ", "").split(","):
            text = []
            for body in lines[i + 1 :]:
                if not body.startswith("        "):
                    break
                text.append(body.strip())
            sentence = " ".join(text).split(". ")[0].replace("``", "")
            return sentence.rstrip(".") + "." if sentence else None
    return None


def field_option_spec(field: dataclasses.Field, annotation: Any) -> OptionSpec:
    """The ``(declarations, attributes)`` of one field's click option (rules above)."""
    flag = "--" + field.name.replace("_", "-")
    default = field.default.value if isinstance(field.default, Enum) else field.default
    attrs: dict[str, Any] = {"default": default, "help": field.metadata.get("help")}
    kind = _base_type(annotation)
    if kind is bool:
        return (f"{flag}/--no-{flag[2:]}",), {**attrs, "show_default": True}
    attrs["type"] = field.metadata.get("type") or _click_type(kind, field.metadata)
    attrs["show_default"] = default is not None
    return (flag,), attrs


def _base_type(annotation: Any) -> Any:
    """``X`` of ``X`` or ``X | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def _click_type(kind: Any, metadata: typing.Mapping[str, Any]) -> Any:
    """The click parameter type of a field's base type and metadata."""
    if isinstance(kind, type) and issubclass(kind, Enum):
        return click.Choice([member.value for member in kind])
    if "choices" in metadata:
        return click.Choice(list(metadata["choices"]))
    if kind is int and "min" in metadata:
        return click.IntRange(min=metadata["min"])
    return kind
