"""The ``repr`` of the models: only the fields that are set, so an order reads like the JSON it stands for."""

from __future__ import annotations

import attrs


class ShortRepr:
    """Mixin giving an attrs model a ``repr`` of its set fields.

    ``None`` fields and an empty ``extra`` are left out; a field's own ``repr=`` function (the one hiding an
    export's download token) is honoured.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        parts = []
        for field in attrs.fields(type(self)):  # type: ignore[arg-type] # every user is an attrs class
            value = getattr(self, field.name)
            if value is None or (field.name == "extra" and not value) or field.repr is False:
                continue
            shown = field.repr(value) if callable(field.repr) else repr(value)
            parts.append(f"{field.name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"
