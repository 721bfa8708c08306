"""The Linux desktop launcher, installed into a temporary XDG_DATA_HOME: the entry, the icons and the MIME
type exist with the right content, Exec starts something that exists, a second install changes nothing,
uninstall removes exactly what install wrote, and paths with spaces are quoted as the spec says."""

from __future__ import annotations

import configparser
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.files.desktop_entry import (
    APP_ID,
    MIME_TYPE,
    SHARED_MIME_NAMESPACE,
    DesktopLauncher,
    LauncherError,
    LauncherPaths,
    data_home,
    exec_value,
    launch_command,
)
from tests.conftest import ROOT

ASSETS = ROOT / "assets"
NS = {"m": SHARED_MIME_NAMESPACE}


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive in the spec
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def exec_arguments(value: str) -> list[str]:
    """The Exec key as the Desktop Entry spec says a desktop splits it: string escapes first (\\\\ is one
    backslash), then the quoting, then the field codes (%f dropped, %% is %)."""
    unescaped = value.replace("\\\\", "\0").replace("\\t", "\t").replace("\0", "\\")
    arguments: list[str] = []
    current: list[str] | None = None
    characters = iter(unescaped)
    for character in characters:
        if character == " ":
            if current is not None:
                arguments.append("".join(current))
            current = None
        elif character == '"':  # a quoted argument: \" \` \$ \\ stand for the character itself
            current = current if current is not None else []
            for inner in characters:
                if inner == '"':
                    break
                if inner == "\\":
                    escaped = next(characters)
                    assert escaped in '"`$\\', f"{escaped!r} must not be escaped in a quoted argument"
                    current.append(escaped)
                else:
                    current.append(inner)
        else:
            current = (current if current is not None else []) + [character]
    if current is not None:
        arguments.append("".join(current))
    return [argument.replace("%%", "%") for argument in arguments if argument != "%f"]


class FakeTools:
    """Stands in for the desktop's tools: records what would run; `present` names the installed ones."""

    def __init__(self, present: set[str], fail: frozenset[str] = frozenset()) -> None:
        self.present, self.fail, self.ran = present, fail, []

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if name in self.present else None

    def run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        self.ran.append(command)
        name = Path(command[0]).name
        return subprocess.CompletedProcess(command, 3 if name in self.fail else 0, "", "no such folder\n")


def launcher_in(home: Path, tools: FakeTools) -> DesktopLauncher:
    return DesktopLauncher(LauncherPaths(home), ASSETS / "icon.png", ASSETS / "icon.svg", which=tools.which,
                           run=tools.run)


def test_install_writes_entry_icons_and_mime_type_that_a_desktop_reads(tmp_path: Path) -> None:
    home = tmp_path / "data"
    tools = FakeTools({"update-desktop-database", "update-mime-database", "xdg-mime"})
    command = launch_command(ROOT / "main.py")
    report = launcher_in(home, tools).install(command, "0.1.0")

    entry_path = home / "applications" / f"{APP_ID}.desktop"
    entry = read_entry(entry_path)
    assert entry["Type"] == "Application" and entry["Name"] == "Gradient Descent Studio"
    assert entry["MimeType"].split(";")[:-1] == [MIME_TYPE]
    assert entry["Icon"] == APP_ID and entry["Exec"].endswith(" %f")
    arguments = exec_arguments(entry["Exec"])
    assert arguments == [os.path.abspath(sys.executable), str((ROOT / "main.py").resolve())]
    assert all(Path(argument).is_file() for argument in arguments)  # Exec starts something that exists
    assert os.access(arguments[0], os.X_OK)

    png = home / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png"
    svg = home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert png.read_bytes() == (ASSETS / "icon.png").read_bytes()
    assert svg.read_bytes() == (ASSETS / "icon.svg").read_bytes()
    assert stat.S_IMODE(png.stat().st_mode) & 0o044, "others can read the icon (mkstemp makes 0600 files)"

    mime = ET.parse(home / "mime" / "packages" / f"{APP_ID}.xml").getroot()
    assert mime.tag == f"{{{SHARED_MIME_NAMESPACE}}}mime-info"
    types = mime.findall("m:mime-type", NS)
    assert [element.get("type") for element in types] == [MIME_TYPE]
    assert [glob.get("pattern") for glob in types[0].findall("m:glob", NS)] == ["*.gdsproj"]
    assert types[0].find("m:icon", NS).get("name") == APP_ID  # type: ignore[union-attr]

    assert set(report.files) == {entry_path, png, svg, home / "mime" / "packages" / f"{APP_ID}.xml"}
    assert [Path(command[0]).name for command in tools.ran] == ["update-desktop-database",
                                                               "update-mime-database", "xdg-mime"]
    assert tools.ran[0][1:] == [str(home / "applications")] and tools.ran[1][1:] == [str(home / "mime")]
    assert tools.ran[2][1:] == ["default", f"{APP_ID}.desktop", MIME_TYPE]
    assert report.tools_run == ["update-desktop-database", "update-mime-database", "xdg-mime"]


def test_second_install_is_idempotent_and_uninstall_removes_only_its_files(tmp_path: Path) -> None:
    home = tmp_path / "data"
    someone_elses = home / "applications" / "other.desktop"
    someone_elses.parent.mkdir(parents=True)
    someone_elses.write_text("[Desktop Entry]\nName=Other\n", encoding="utf-8")
    other_icon = home / "icons" / "hicolor" / "256x256" / "apps" / "other.png"
    other_icon.parent.mkdir(parents=True)
    other_icon.write_bytes(b"png")
    launcher = launcher_in(home, FakeTools(set()))
    command = launch_command(ROOT / "main.py")

    first = launcher.install(command, "0.1.0")
    snapshot = {path: path.read_bytes() for path in first.files}
    files_after_first = sorted(path for path in home.rglob("*") if path.is_file())
    second = launcher.install(command, "0.1.0")
    assert second.files == first.files
    assert {path: path.read_bytes() for path in second.files} == snapshot
    assert sorted(path for path in home.rglob("*") if path.is_file()) == files_after_first  # no temp files left
    assert second.tools_missing == ["update-desktop-database", "update-mime-database", "xdg-mime"]
    assert second.tools_run == [] and second.tools_failed == []

    removed = launcher.uninstall()
    assert set(removed.files) == set(first.files)
    assert not any(path.exists() for path in first.files)
    assert sorted(path for path in home.rglob("*") if path.is_file()) == sorted([someone_elses, other_icon])
    assert not launcher.is_installed()
    assert launcher.uninstall().files == []  # nothing left to remove


def test_uninstall_keeps_an_entry_that_is_not_ours(tmp_path: Path) -> None:
    home = tmp_path / "data"
    entry = LauncherPaths(home).desktop_entry
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nName=Hand-made\nExec=gds %f\n", encoding="utf-8")
    icon = LauncherPaths(home).icon_png
    icon.parent.mkdir(parents=True)
    icon.write_bytes(b"their icon")
    launcher = launcher_in(home, FakeTools(set()))
    assert not launcher.is_installed()
    assert launcher.uninstall().files == []
    assert entry.exists() and icon.read_bytes() == b"their icon", "nothing of theirs is removed"


def test_install_never_replaces_an_entry_that_is_not_ours(tmp_path: Path) -> None:
    home = tmp_path / "data"
    entry = LauncherPaths(home).desktop_entry
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nName=Hand-made\nExec=gds %f\n", encoding="utf-8")
    command = launch_command(ROOT / "main.py", frozen=False, executable=sys.executable)
    with pytest.raises(LauncherError, match="was not written by this app"):
        launcher_in(home, FakeTools(set())).install(command, "0.1.0")
    assert entry.read_text(encoding="utf-8").startswith("[Desktop Entry]\nName=Hand-made")


def test_a_path_with_spaces_and_reserved_characters_is_quoted_per_the_spec(tmp_path: Path) -> None:
    folder = tmp_path / "my apps" / 'Gradient "Descent" $HOME 100% `x` back\\slash'
    folder.mkdir(parents=True)
    python = folder / "python3"
    python.write_text("#!/bin/sh\n", encoding="utf-8")
    python.chmod(0o755)
    script = folder / "main.py"
    script.write_text("", encoding="utf-8")
    command = launch_command(script, frozen=False, executable=str(python))
    value = exec_value(command)
    assert value.startswith('"') and " %f" in value and "100%%" in value
    assert exec_arguments(value) == [str(python), str(script.resolve())]

    home = tmp_path / "data"
    launcher_in(home, FakeTools(set())).install(command, "0.1.0")
    entry = read_entry(LauncherPaths(home).desktop_entry)
    assert exec_arguments(entry["Exec"]) == [str(python), str(script.resolve())]
    assert entry["TryExec"].replace("\\\\", "\\") == str(python)


def test_the_bundle_launches_its_own_executable(tmp_path: Path) -> None:
    bundle = tmp_path / "Gradient Descent Studio" / "GradientDescentStudio"
    assert launch_command(ROOT / "main.py", frozen=True, executable=str(bundle)) == [str(bundle)]
    assert exec_value([str(bundle)]) == f'"{bundle}" %f'


def test_install_refuses_a_program_that_does_not_exist_and_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "data"
    with pytest.raises(LauncherError, match="does not exist"):
        launcher_in(home, FakeTools(set())).install([str(tmp_path / "missing" / "python")], "0.1.0")
    assert not home.exists()
    with pytest.raises(LauncherError, match="line break"):
        exec_value(["/opt/a\nb"])


def test_a_failing_tool_is_reported_not_fatal(tmp_path: Path) -> None:
    tools = FakeTools({"update-mime-database", "xdg-mime"}, fail=frozenset({"xdg-mime"}))
    report = launcher_in(tmp_path / "data", tools).install(launch_command(ROOT / "main.py"), "0.1.0")
    assert report.tools_run == ["update-mime-database"]
    assert report.tools_missing == ["update-desktop-database"]
    assert report.tools_failed == ["xdg-mime: exit 3 (no such folder)"]
    assert LauncherPaths(tmp_path / "data").desktop_entry.exists()
    assert "Not installed (skipped): update-desktop-database" in report.summary("Wrote")


def test_data_home_follows_xdg_data_home(tmp_path: Path) -> None:
    assert data_home({"XDG_DATA_HOME": str(tmp_path), "HOME": "/home/u"}) == tmp_path
    assert data_home({"XDG_DATA_HOME": "relative/ignored", "HOME": "/home/u"}) == Path("/home/u/.local/share")
    assert data_home({"HOME": "/home/u"}) == Path("/home/u/.local/share")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux desktop's tools")
def test_real_mime_database_reads_the_package(tmp_path: Path) -> None:
    """update-mime-database (shared-mime-info), where installed, compiles the package into a glob for
    *.gdsproj: the XML is one the real tool accepts."""
    import shutil

    if shutil.which("update-mime-database") is None:
        pytest.skip("update-mime-database is not installed")
    home = tmp_path / "data"
    tools_present = {"update-mime-database"}
    launcher = DesktopLauncher(LauncherPaths(home), ASSETS / "icon.png", ASSETS / "icon.svg",
                               which=lambda name: shutil.which(name) if name in tools_present else None)
    report = launcher.install(launch_command(ROOT / "main.py"), "0.1.0")
    assert report.tools_run == ["update-mime-database"], report.tools_failed
    globs = (home / "mime" / "globs2").read_text("utf-8")
    assert f"{MIME_TYPE}:*.gdsproj" in globs
