"""What a file the user hands the app is: a project, a spreadsheet or a text table. By extension first,
then by its first bytes, so `main.py download` or a dropped file without a known extension still opens."""

from __future__ import annotations

import os
import stat
import zipfile
from typing import Literal

from engine.data.spreadsheet import OLE_MAGIC, looks_like_spreadsheet
from engine.data.table_import import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES
from engine.files.project_file import PROJECT_SUFFIX
from engine.files.project_zip import JSON_MEMBER, ZIP_MAGIC

FileKind = Literal["project", "spreadsheet", "table"]


def file_kind(path: str | os.PathLike[str]) -> FileKind:
    """'project' (.gdsproj, or a zip holding project.json, or JSON text), 'spreadsheet' or 'table' (any other
    text: the table reader then says what is wrong with it, naming the line)."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix == PROJECT_SUFFIX:
        return "project"
    if suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    if suffix in TEXT_SUFFIXES:
        return "table"
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the open: the reader refuses it
            return "table"
        with open(path, "rb") as handle:
            start = handle.read(512)
        if start.startswith(ZIP_MAGIC):
            with zipfile.ZipFile(path) as archive:
                if JSON_MEMBER in archive.namelist():
                    return "project"
    except (OSError, zipfile.BadZipFile, ValueError):
        return "table"  # unreadable: the reader names the problem
    if start.startswith(OLE_MAGIC) or looks_like_spreadsheet(path):
        return "spreadsheet"
    if start.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{"):
        return "project"
    return "table"
