"""Turn a file (or the ACE folder) into ImportData: size check, checksum, format detection."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from pathlib import Path

from ..catalogue import CATALOGUE
from ..db.services import list_services
from ..settings import Config
from . import ImportData, ImportFailed, Problem

FORMATS = ("auto", "shelfmark", "imls-pls", "ace")


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_import(db, viewer, config: Config, data: bytes, filename: str, *, fmt: str = "auto",
                create_services: bool = False, sheet: str | None = None) -> ImportData:
    """Read an uploaded or named file into ImportData, or raise ImportFailed saying why."""
    from . import reader
    from .detect import detect_format

    if fmt not in FORMATS:
        raise ImportFailed([Problem(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")])
    max_bytes = int(config["IMPORT_MAX_MB"]) * 1024 * 1024
    digest = checksum(data)
    if data[:2] == b"\x1f\x8b":  # a gzip'd file (how the IMLS return is shipped)
        try:  # read at most one byte over the limit: a small "gzip bomb" cannot fill memory
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
                data = unpacked.read(max_bytes + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise ImportFailed([Problem(
                f"the file looks gzip-compressed but is damaged: {exc}")]) from None
        if len(data) > max_bytes:
            raise ImportFailed([Problem(
                f"the file unpacks to more than the {max_bytes / 1048576:,.0f} MB limit for "
                "imports (the IMPORT_MAX_MB setting); split it into smaller files")])
        filename = filename[:-3] if filename.endswith(".gz") else filename
    table = reader.read_table(data, filename, sheet=sheet, max_bytes=max_bytes)
    if fmt == "auto":
        fmt = detect_format(list(table.frame.columns), filename) or ""
        if not fmt:
            raise ImportFailed([Problem(
                "could not tell what kind of file this is from its columns: expected the "
                "Shelfmark template (service, metric, period, value — or service, period and "
                "one column per metric), an IMLS Public Libraries Survey file (FSCSKEY, "
                "LIBNAME, STABR…) or an Arts Council England activity file (Authority, "
                f"Period…). Its columns: {', '.join(map(str, table.frame.columns[:12]))}")])
    if fmt == "shelfmark":
        from . import shelfmark

        known = list_services(db, viewer)
        services = {s.code: s.sector for s in known}
        own_years = {s.code: config.fy_start_for(s) for s in known
                     if config.fy_start_for(s) != config.fy_start_month(s.sector)}
        result = shelfmark.parse_shelfmark(
            table, catalogue=CATALOGUE, services=services, config=config,
            create_services=create_services, filename=filename, checksum=digest,
            fy_months=own_years)
    elif fmt == "imls-pls":
        from . import imls

        result = imls.parse_imls(table.frame, filename=filename, config=config, checksum=digest,
                                 rows=table.rows)
    else:
        from . import ace

        result = ace.parse_ace_file(data, filename, config=config, checksum=digest)
    file_warnings = list(table.warnings)
    if fmt == "imls-pls":  # IMLS publishes Latin-1 on purpose: reading it so is no news
        file_warnings = [w for w in file_warnings if "is not UTF-8" not in w.reason]
    result.warnings = file_warnings + list(result.warnings)
    result.filename = result.filename or filename
    result.checksum = digest
    return result


def read_path(db, viewer, config: Config, path: str | Path, **kwargs) -> ImportData:
    """Read a file by name; a folder is read as the Arts Council England activity data."""
    from . import ace

    path = Path(path)
    if path.is_dir():
        return ace.parse_ace_folder(path, config=config)
    if not path.exists():
        raise ImportFailed([Problem(f"there is no file {str(path)!r}")])
    return read_import(db, viewer, config, path.read_bytes(), path.name, **kwargs)
