"""Keep peer groups by name: save, list, load and delete them (stored by dashboard.db.peers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..db import Database
from ..db.access import Viewer
from ..db.peers import delete_peer_group, peer_group_record, peer_group_records, store_peer_group
from .definition import PeerDefinition, from_json, quoted, to_json
from .describe import describe

MAX_NAME = 80  # characters of a saved group's name


class PeerGroupError(ValueError):
    """A saved peer group cannot be stored, found or deleted; the message says why."""


@dataclass(frozen=True)
class SavedGroup:
    """A named peer group as stored."""

    name: str
    definition: PeerDefinition
    description: str
    created_at: Any
    created_by: str
    problems: tuple[str, ...] = ()


def check_name(name: Any) -> str:
    """Return a saved group's name without surrounding spaces; raise if it is not usable."""
    if not isinstance(name, str):
        raise PeerGroupError("A peer group's name must be text.")
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        raise PeerGroupError(f"A peer group's name must be 1 to {MAX_NAME} printable "
                             "characters.")
    return name


def _saved(row: Mapping[str, Any]) -> SavedGroup:
    defn, problems = from_json(row["definition"])
    return SavedGroup(row["name"], defn, row["description"], row["created_at"],
                      row["created_by"], tuple(problems))


def save_group(db: Database, viewer: Viewer, name: str, defn: PeerDefinition, created_by: str,
               *, replace: bool = False) -> SavedGroup:
    """Save a definition under a name; an existing name is kept unless `replace` is True."""
    name = check_name(name)
    if not isinstance(defn, PeerDefinition):
        raise PeerGroupError("Only a peer-group definition can be saved.")
    created_by = str(created_by or "")[:200]
    # Writes are made one at a time: a group saved at the same moment by someone else is
    # there by the time this one looks, and reported as existing.
    status = store_peer_group(db, viewer, name, to_json(defn), describe(defn), created_by,
                              replace=replace)
    if status == "exists":
        raise PeerGroupError(f"A peer group named {quoted(name, MAX_NAME)} already exists.")
    saved = load_group(db, viewer, name)
    assert saved is not None
    return saved


def list_groups(db: Database, viewer: Viewer) -> list[SavedGroup]:
    """List the saved peer groups by name."""
    return [_saved(row) for row in peer_group_records(db, viewer)]


def load_group(db: Database, viewer: Viewer, name: str) -> SavedGroup | None:
    """Return a saved peer group by name, or None (also for a name that is not usable)."""
    try:
        name = check_name(name)
    except PeerGroupError:
        return None
    row = peer_group_record(db, viewer, name)
    return _saved(row) if row else None


def delete_group(db: Database, viewer: Viewer, name: str) -> bool:
    """Delete a saved peer group by name; return whether it existed."""
    try:
        name = check_name(name)
    except PeerGroupError:
        return False
    return delete_peer_group(db, viewer, name)


__all__ = ["MAX_NAME", "PeerGroupError", "SavedGroup", "check_name", "delete_group", "list_groups",
           "load_group", "save_group"]
