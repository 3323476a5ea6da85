"""The documentation site builds (when MkDocs is installed) and every page is in it."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_docs_page_is_in_the_navigation():
    config = (ROOT / "mkdocs.yml").read_text()
    pages = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")]
    missing = [page for page in pages if page not in config]
    assert not missing, f"pages missing from mkdocs.yml nav: {missing}"


def test_mkdocs_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    if shutil.which("mkdocs") is None and not (pathlib.Path(sys.executable).parent / "mkdocs").exists():
        pytest.skip("mkdocs command not found")
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                   cwd=ROOT, check=True)
    assert (tmp_path / "site" / "teaching" / "cancellation" / "index.html").exists()
