"""Decide who may see and change what: the Viewer and the access rules.

Every function of the data seam (dashboard/db/) takes the acting Viewer and asks this module;
no other module decides access. This release has no accounts yet: every viewer may read every
service and make every change, and the rules below are the one place that narrows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import literal


@dataclass(frozen=True)
class Viewer:
    """Who is asking (a person on a page, or the command line). Access rules read this."""

    name: str = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)
    entitled_sources: frozenset[str] = field(default_factory=frozenset)

    def may_see_names(self, source_code: str, source_public: bool) -> bool:
        """Return whether this viewer may see the names of services from a data source."""
        return source_public or "admin" in self.roles or source_code in self.entitled_sources


ANONYMOUS = Viewer()
COMMAND_LINE = Viewer(name="command line")


class AccessDenied(PermissionError):
    """The viewer may not make this change; the message says which."""


# The changes a viewer can ask for, named once; `check` says whether one is allowed.
CHANGES = ("init-db", "import", "undo-import", "seed", "set-targets", "save-peer-groups",
           "refresh-coverage")


def visible_services(viewer: Viewer):
    """Return the WHERE clause limiting which services a viewer may read.

    Every service is readable in this single-tenant release; this is the one place where a
    multi-tenant deployment narrows it.
    """
    del viewer
    return literal(True)


def check(viewer: Viewer, change: str) -> None:
    """Refuse a change the viewer may not make (raise AccessDenied); every write asks first."""
    if change not in CHANGES:
        raise ValueError(f"unknown kind of change {change!r}")
    del viewer  # single-tenant release: every user of the instance may make every change
