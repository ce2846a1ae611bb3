"""Build Dash components for the page callback without Dash's per-call argument checks.

A Dash component's constructor checks its arguments on every call (prop names, ids,
components in props other than children, deprecations) and takes 5-7 µs; a dashboard page
is 100-150 components. `make` builds the same object, giving the same JSON to the browser, in
well under a microsecond: it takes the class's prop lists from one instance built the normal
way and checks the prop names against them. `html`, `dcc` and `dbc` here are drop-in
namespaces for the ones of dash and dash_bootstrap_components:
`html.Div(children, className=...)`. tests/test_fast_components.py checks every class the
pages use against its normal constructor.
"""

from __future__ import annotations

import dash_bootstrap_components as _dbc
from dash import dcc as _dcc
from dash import html as _html

_META = ("_prop_names", "_valid_wildcard_attributes", "available_properties",
         "available_wildcard_properties")
_classes: dict[type, tuple[dict, frozenset]] = {}


def _describe(cls) -> tuple[dict, frozenset]:
    described = _classes.get(cls)
    if described is None:
        sample = cls()  # built the normal way, once per class
        meta = {name: getattr(sample, name) for name in _META}
        described = _classes[cls] = (meta, frozenset(meta["_prop_names"]))
    return described


def make(cls, children=None, **props):
    """Return `cls(children, **props)`, built without the constructor's per-call checks.

    Unknown prop names raise TypeError as the constructor does; the other checks (ids,
    components in props other than children) are the caller's.
    """
    meta, names = _describe(cls)
    if not names.issuperset(props):
        wildcards = tuple(meta["_valid_wildcard_attributes"])  # data-*, aria-* on html
        unknown = ", ".join(sorted(p for p in set(props) - names
                                   if not (wildcards and p.startswith(wildcards))))
        if unknown:
            raise TypeError(f"{cls.__name__} received unexpected keyword arguments: {unknown}")
    component = object.__new__(cls)
    state = component.__dict__
    state.update(meta)
    if "children" in names:
        state["children"] = children
    elif children is not None:
        raise TypeError(f"{cls.__name__} takes no children")
    state.update(props)
    return component


class _Namespace:
    """Give `namespace.Name(...)` for the components of a module, built by `make`."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name: str):
        cls = getattr(self._module, name)

        def build(children=None, **props):
            return make(cls, children, **props)

        build.__name__ = build.__qualname__ = name
        build.__doc__ = f"Build {self._module.__name__}.{name} with layouts.fast.make."
        setattr(self, name, build)
        return build


html = _Namespace(_html)
dcc = _Namespace(_dcc)
dbc = _Namespace(_dbc)
