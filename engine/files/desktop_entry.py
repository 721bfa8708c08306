"""The Linux desktop launcher: a .desktop entry, the icon and the `.gdsproj` MIME type in the user's XDG data
folder, so the app is in the desktop's menu and double-clicking a project opens it.

Plain file writing (no Qt): every file is written atomically, the desktop's caches are refreshed with the
freedesktop tools where they are installed (skipped quietly where not), and uninstall removes exactly the
files install writes, by their fixed names, and nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from engine.atomic_write import write_atomic, write_text_atomic

APP_ID = "gradient-descent-studio"
DESKTOP_FILE_NAME = f"{APP_ID}.desktop"
MIME_TYPE = "application/x-gdsproj"
PROJECT_GLOB = "*.gdsproj"
ICON_SIZE = 256  # assets/icon.png is 256×256
MARKER_KEY = "X-GradientDescentStudio-Launcher"  # says the entry is ours (uninstall checks it)
SHARED_MIME_NAMESPACE = "http://www.freedesktop.org/standards/shared-mime-info"
TOOL_TIMEOUT_S = 30.0
# The Desktop Entry spec's reserved characters: an argument holding any of them is double-quoted.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = set('"`$\\')


class LauncherError(Exception):
    """The launcher could not be written (a path the spec cannot express, an unwritable folder)."""


@dataclass(frozen=True)
class LauncherPaths:
    """Where the launcher's files go under one XDG data folder."""

    data_home: Path

    @property
    def desktop_entry(self) -> Path:
        return self.data_home / "applications" / DESKTOP_FILE_NAME

    @property
    def icon_png(self) -> Path:
        return self.data_home / "icons" / "hicolor" / f"{ICON_SIZE}x{ICON_SIZE}" / "apps" / f"{APP_ID}.png"

    @property
    def icon_svg(self) -> Path:
        return self.data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"

    @property
    def mime_package(self) -> Path:
        return self.data_home / "mime" / "packages" / f"{APP_ID}.xml"

    def all(self) -> tuple[Path, ...]:
        return self.desktop_entry, self.icon_png, self.icon_svg, self.mime_package


@dataclass
class LauncherReport:
    """What install or uninstall did: the files written or removed, and each desktop tool's outcome."""

    files: list[Path] = field(default_factory=list)
    tools_run: list[str] = field(default_factory=list)  # "update-mime-database" (ran and succeeded)
    tools_failed: list[str] = field(default_factory=list)  # "xdg-mime: exit 4 (…)"
    tools_missing: list[str] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        lines = [f"{verb} {len(self.files)} file{'s' if len(self.files) != 1 else ''}:"]
        lines += [f"  {path}" for path in self.files]
        if self.tools_run:
            lines.append("Ran: " + ", ".join(self.tools_run) + ".")
        if self.tools_failed:
            lines.append("Failed: " + "; ".join(self.tools_failed) + ".")
        if self.tools_missing:
            lines.append("Not installed (skipped): " + ", ".join(self.tools_missing) + ".")
        return "\n".join(lines)


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME when it is an absolute path (the spec says to ignore a relative one), else
    ~/.local/share."""
    environ = os.environ if environ is None else environ
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME") or Path.home()) / ".local" / "share"


def launch_command(main_script: Path, *, frozen: bool | None = None, executable: str | None = None) -> list[str]:
    """How the app starts: the bundle's own executable, or this Python (a virtual environment's python is
    kept as the path it was started by: resolving its symlink would lose the environment) with main.py."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = sys.executable if executable is None else executable
    if not executable:
        raise LauncherError("The path of the running program is unknown, so no launcher can start it.")
    program = os.path.abspath(executable)
    return [program] if frozen else [program, str(main_script.resolve())]


def quote_exec_argument(argument: str) -> str:
    """One argument of an Exec key, as the Desktop Entry spec wants it: `%` doubled; an argument with a
    reserved character double-quoted, with `"`, `` ` ``, `$` and `\\` backslash-escaped inside the quotes."""
    if "\n" in argument or "\r" in argument or "\0" in argument:
        raise LauncherError(f"A launcher cannot start a program whose path has a line break: {argument!r}")
    argument = argument.replace("%", "%%")
    if not any(character in _RESERVED for character in argument) and argument:
        return argument
    escaped = "".join("\\" + character if character in _ESCAPED_IN_QUOTES else character for character in argument)
    return f'"{escaped}"'


def exec_value(command: Sequence[str]) -> str:
    """The Exec key's value: the quoted arguments, then `%f` (the file double-clicked), with the string
    escape applied on top of the quoting (each backslash doubled), as the spec orders."""
    quoted = " ".join(quote_exec_argument(argument) for argument in command)
    return _escape_string(quoted) + " %f"


def _escape_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t")


def desktop_entry_text(command: Sequence[str], version: str) -> str:
    """The .desktop file: in the Education and Science menus, opening `.gdsproj` projects."""
    program = _escape_string(command[0])
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        "Name=Gradient Descent Studio",
        "GenericName=Gradient descent trainer",
        "Comment=Watch gradient descent fit a line to your points with PyTorch, then export the model",
        f"TryExec={program}",
        f"Exec={exec_value(command)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;Math;",
        "Keywords=machine learning;pytorch;regression;gradient descent;",
        f"MimeType={MIME_TYPE};",
        f"{MARKER_KEY}={_escape_string(version)}",
    ]
    return "\n".join(lines) + "\n"


def mime_package_text() -> str:
    """A shared-mime-info package: `*.gdsproj` is application/x-gdsproj, shown with the app's icon."""
    ET.register_namespace("", SHARED_MIME_NAMESPACE)
    root = ET.Element(f"{{{SHARED_MIME_NAMESPACE}}}mime-info")
    mime = ET.SubElement(root, f"{{{SHARED_MIME_NAMESPACE}}}mime-type", {"type": MIME_TYPE})
    ET.SubElement(mime, f"{{{SHARED_MIME_NAMESPACE}}}comment").text = "Gradient Descent Studio project"
    ET.SubElement(mime, f"{{{SHARED_MIME_NAMESPACE}}}icon", {"name": APP_ID})
    ET.SubElement(mime, f"{{{SHARED_MIME_NAMESPACE}}}glob", {"pattern": PROJECT_GLOB})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]
Finder = Callable[[str], str | None]


def _run_tool(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False)


class DesktopLauncher:
    """Installs and removes the launcher under `paths`; `which` and `run` are the tools' finder and runner
    (tests pass fakes, so no test touches the real desktop's caches or its default applications)."""

    def __init__(self, paths: LauncherPaths, icon_png: Path, icon_svg: Path | None, *,
                 which: Finder | None = None, run: Runner | None = None) -> None:
        self.paths, self.icon_png_source, self.icon_svg_source = paths, icon_png, icon_svg
        self.which, self.run = which or shutil.which, run or _run_tool

    def is_installed(self) -> bool:
        """Our entry is there (one without our marker is someone else's)."""
        return self.paths.desktop_entry.is_file() and _is_ours(self.paths.desktop_entry)

    def install(self, command: Sequence[str], version: str) -> LauncherReport:
        """Write (or write again: the same files, the same content) the entry, the icons and the MIME type."""
        if not command or not Path(command[0]).is_file():
            raise LauncherError(f"The program the launcher would start does not exist: {command[:1]}")
        if self.paths.desktop_entry.exists() and not _is_ours(self.paths.desktop_entry):
            raise LauncherError(f"{self.paths.desktop_entry} exists and was not written by this app; it is left "
                                f"as it is. Remove it first to install this launcher.")
        try:
            icon = self.icon_png_source.read_bytes()
            svg = self.icon_svg_source.read_bytes() if self.icon_svg_source and self.icon_svg_source.is_file() \
                else None
        except OSError as error:
            raise LauncherError(f"Cannot read the app's icon {self.icon_png_source}: {error.strerror}") from error
        writes: list[tuple[Path, bytes]] = [(self.paths.icon_png, icon), (self.paths.mime_package,
                                            mime_package_text().encode("utf-8"))]
        if svg is not None:
            writes.append((self.paths.icon_svg, svg))
        report = LauncherReport()
        try:
            for path, data in writes:  # the entry last: a menu never shows a launcher without its icon
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, partial(_write_bytes, data))
                report.files.append(path)
            self.paths.desktop_entry.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.paths.desktop_entry, desktop_entry_text(command, version))
            report.files.append(self.paths.desktop_entry)
        except OSError as error:
            raise LauncherError(f"Cannot write {error.filename or 'the launcher'}: {error.strerror}") from error
        self._refresh(report, make_default=True)
        return report

    def uninstall(self) -> LauncherReport:
        """Remove the files install writes (an entry without our marker is someone else's and stays)."""
        report = LauncherReport()
        if not self.is_installed():  # the icons and the MIME type go only with our entry
            return report
        for path in self.paths.all():
            if not path.is_file():
                continue
            try:
                path.unlink()
            except OSError as error:
                raise LauncherError(f"Cannot remove {path}: {error.strerror}") from error
            report.files.append(path)
        if report.files:
            self._refresh(report, make_default=False)
        return report

    def _refresh(self, report: LauncherReport, *, make_default: bool) -> None:
        """The desktop's caches, so the menu and the file manager see the change without a new login."""
        commands = [["update-desktop-database", str(self.paths.desktop_entry.parent)],
                    ["update-mime-database", str(self.paths.mime_package.parent.parent)]]
        if make_default:
            commands.append(["xdg-mime", "default", DESKTOP_FILE_NAME, MIME_TYPE])
        for command in commands:
            tool = command[0]
            found = self.which(tool)
            if found is None:
                report.tools_missing.append(tool)
                continue
            try:
                completed = self.run([found, *command[1:]])
            except (OSError, subprocess.SubprocessError) as error:
                report.tools_failed.append(f"{tool}: {error}")
                continue
            if completed.returncode == 0:
                report.tools_run.append(tool)
            else:
                detail = (completed.stderr or completed.stdout or "").strip().splitlines()
                report.tools_failed.append(f"{tool}: exit {completed.returncode}"
                                           + (f" ({detail[-1][:200]})" if detail else ""))


def _write_bytes(data: bytes, handle: IO[bytes]) -> None:
    handle.write(data)


def _is_ours(entry: Path) -> bool:
    try:
        return any(line.startswith(f"{MARKER_KEY}=") for line in entry.read_text("utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return False
