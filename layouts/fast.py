"""Build Dash components for the page callback without Dash's per-call argument checks.

A Dash component's constructor checks its arguments on every call (prop names, ids,
components in props other than children, deprecations) and takes 5-7 µs; a dashboard page
is 100-150 components. `builder(cls)` builds the same object, giving the same JSON to the
browser, in well under a microsecond: it takes the class's prop lists from one instance built
the normal way and checks the prop names against them. `html`, `dcc` and `dbc` here are drop-in
namespaces for the ones of dash and dash_bootstrap_components:
`html.Div(children, className=...)`. tests/test_fast_components.py checks every class the
pages use against its normal constructor, and tests/test_view_data.py every page body against
one built by Dash's own constructors.

Kept because it matters for the time a user waits: timed as paired requests to Dash's callback
endpoint (a page's filter change, each request made once with these builders and once with
Dash's constructors), it saves about a fifth of the request's server time on every page
(docs/performance.md, "Speed tricks").
"""

from __future__ import annotations

import dash_bootstrap_components as _dbc
from dash import dcc as _dcc
from dash import html as _html

_META = ("_prop_names", "_valid_wildcard_attributes", "available_properties",
         "available_wildcard_properties")
_builders: dict[type, object] = {}


def builder(cls):
    """Return a function building `cls(children, **props)` without the constructor's per-call
    checks: the class's prop lists are read once, from one instance built the normal way.

    Unknown prop names raise TypeError as the constructor does; the other checks (ids,
    components in props other than children) are the caller's.
    """
    build = _builders.get(cls)
    if build is not None:
        return build
    sample = cls()  # built the normal way, once per class
    meta = {name: getattr(sample, name) for name in _META}
    names = frozenset(meta["_prop_names"])
    wildcards = tuple(meta["_valid_wildcard_attributes"])  # data-*, aria-* on html
    new = object.__new__

    def refuse_unknown(props) -> None:
        unknown = ", ".join(sorted(p for p in set(props) - names
                                   if not (wildcards and p.startswith(wildcards))))
        if unknown:
            raise TypeError(f"{cls.__name__} received unexpected keyword arguments: {unknown}")

    if "children" in names:
        def build(children=None, **props):
            if not names.issuperset(props):
                refuse_unknown(props)
            component = new(cls)
            component.__dict__.update(meta, children=children, **props)
            return component
    else:
        def build(children=None, **props):
            if not names.issuperset(props):
                refuse_unknown(props)
            if children is not None:
                raise TypeError(f"{cls.__name__} takes no children")
            component = new(cls)
            component.__dict__.update(meta, **props)
            return component

    build.__name__ = build.__qualname__ = cls.__name__
    build.__doc__ = f"Build {cls.__module__}.{cls.__name__} with layouts.fast.builder."
    _builders[cls] = build
    return build


class _Namespace:
    """Give `namespace.Name(...)` for the components of a module, built by `builder`."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name: str):
        build = builder(getattr(self._module, name))
        setattr(self, name, build)
        return build


html = _Namespace(_html)
dcc = _Namespace(_dcc)
dbc = _Namespace(_dbc)
