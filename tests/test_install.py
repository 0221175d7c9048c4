"""The package as a new user gets it: the wheel, installed into a fresh virtualenv, used from elsewhere.

The wheel is built the way `pip install .` builds it. The fresh virtualenv sees this test
run's site-packages through a .pth file, so the dependencies resolve without downloading
anything, while the package itself, and the demo catalog inside it, come only from the
wheel: the source tree is never on the path.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("SLACK_", "CATALOG_PATH", "TAXONOMY_PATH", "STATE_", "LOG_", "METRICS", "PROMETHEUS_", "PYTHON")
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "state", ".bench-cache", ".env"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel` of a copy of the tree, so building leaves no build/ or egg-info behind in it."""
    source = tmp_path_factory.mktemp("source") / "findproject"
    shutil.copytree(ROOT, source, ignore=SKIP)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("findproject-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; returns its bin/ directory."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env_dir / "bin"


def _elsewhere(tmp_path: Path, *command: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run from an empty directory with none of the project's settings in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    return subprocess.run(command, cwd=tmp_path, env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_the_wheel_holds_every_module_and_the_demo_catalog(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(ROOT)) for package in ("bot", "retrieval") for p in (ROOT / package).rglob("*.py")}
    assert modules - names == set(), "a package missing from [tool.setuptools] packages"
    assert {"findproject_data/projects.json", "findproject_data/tags.json"} <= names
    assert not any(name.startswith(("data/", "tests/")) for name in names)


def test_search_works_from_any_directory_on_the_bundled_demo(installed: Path, tmp_path: Path):
    result = _elsewhere(tmp_path, str(installed / "findproject"), "search", "--json", "gans")
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["parsed"]["include_tags"] == ["generative-adversarial-networks"]
    assert response["total"] > 0 and response["results"]
    assert all("generative-adversarial-networks" in r["tags"] for r in response["results"])

    where = _elsewhere(
        tmp_path,
        str(installed / "python"),
        "-c",
        "import bot; from bot.settings import load_settings; s = load_settings(); "
        "print(bot.__file__); print(s.catalog_path); print(s.taxonomy_path)",
    )
    assert where.returncode == 0, where.stderr
    for path in where.stdout.splitlines():
        assert Path(path).is_relative_to(installed.parent), f"{path} is not from the installed wheel"


def test_version_chat_and_run_work_installed(installed: Path, tmp_path: Path):
    findproject = str(installed / "findproject")
    version = _elsewhere(tmp_path, findproject, "--version")
    expected = importlib.metadata.version("findproject")  # this checkout's own, installed by `make`
    assert version.returncode == 0 and version.stdout.strip() == f"findproject {expected}"
    for command in ("chat", "run"):
        result = _elsewhere(tmp_path, findproject, command, stdin="gans\nonly pytorch\n/quit\n")
        assert result.returncode == 0, result.stderr
        assert "Understood: tags: #generative-adversarial-networks" in result.stdout
        assert "(added #pytorch)" in result.stdout
        assert "Traceback" not in result.stderr
