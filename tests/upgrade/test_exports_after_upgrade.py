"""A database filled by ``seed_demo`` at a baseline commit, with the clock frozen, and
then migrated to this tree's code gives the same CSV exports of every report as the
baseline's code gave from it: every column the baseline's export had keeps its header
and its cells, row by row in the same order; columns added since may follow them at the
end (an export without new columns is the same byte for byte).

Each baseline is a commit before a change of the schema or the layout (models moved
between apps with SeparateDatabaseAndState, new tables and constraints): a database of
the old schema must upgrade with ``migrate`` alone and every table people download must
keep its rows, figures and headers at the same URL. Everything runs in processes of its
own on its own SQLite file, never in the test database: a DATABASE_URL, REDIS_URL or CI
of the calling shell does not reach it.

When a later change of the schema needs a new baseline, add the full hash of the commit
before it (``git rev-parse <commit>``) to BASELINES.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import NoReturn

import pytest

pytestmark = pytest.mark.upgrade

BASELINES = {
    # The last commit before apps were re-layered (organisation, insights, demo).
    "before-relayering": "e407a92b1888430bdc1f9f9261c7576007f2288f",
    # The last commit before data sources, requesters and ticket titles.
    "before-data-sources": "797de277aec333fb465b40ce48cde97e5750769f",
}
# The frozen clock of every step (UTC): seeding, both exports and the migrations. The
# demo's history and every default period are counted back from it.
MOMENT = "2026-11-18 10:00:00"

ROOT = Path(__file__).resolve().parents[2]
EXPORT_SCRIPT = Path(__file__).with_name("export_reports.py")
STEP_TIMEOUT_SECONDS = 300
DIFFS_SHOWN = 3
DIFF_LINES_SHOWN = 40
MIGRATE = ["manage.py", "migrate", "--noinput"]
SEED = ["manage.py", "seed_demo"]


def _fail(message: str) -> NoReturn:
    pytest.fail(message, pytrace=False)  # the message says it all; no code listing


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def _extract_baseline(target: Path, commit: str) -> None:
    if shutil.which("git") is None:
        _fail("The upgrade test needs git to extract the baseline commit.")
    top = _git("rev-parse", "--show-toplevel")
    if top.returncode:
        _fail(f"The upgrade test needs the git repository around {ROOT}: {top.stderr}")
    if _git("cat-file", "-e", f"{commit}^{{commit}}").returncode:
        shallow = _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
        _fail(
            f"The upgrade test needs the baseline commit {commit}, which this "
            f"{'shallow ' if shallow else ''}clone lacks. Fetch the full history "
            "(git fetch --unshallow; in CI a checkout with the whole history)."
        )
    archive = subprocess.Popen(
        ["git", "-C", top.stdout.strip(), "archive", "--format=tar", commit],
        stdout=subprocess.PIPE,
    )
    with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
        tar.extractall(target, filter="data")
    assert archive.wait() == 0, "git archive of the baseline failed"


def _environment(database: Path) -> dict[str, str]:
    """Only what the steps need: the caller's database, broker, DEBUG or product
    settings (SURVEY_MIN_AGGREGATE changes what the exports show) stay out."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "TMPDIR") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="msp_maturity.settings",
        DATABASE_URL=f"sqlite:///{database}",
        TZ="UTC",
        LANG="C.UTF-8",
        # Sets and dicts of strings iterate in the same order in every run.
        PYTHONHASHSEED="0",
    )
    return env


def _faketime() -> str:
    path = shutil.which("faketime")
    if path is None:
        _fail("The upgrade test freezes the clock with faketime (apt-get install faketime).")
    return path


def _run(what: str, args: list, *, cwd: Path, database: Path) -> None:
    """Run ``python args`` in ``cwd`` on ``database`` at the frozen MOMENT (``-f``: the
    clock stands still, so every step sees the same day and the same timestamps)."""
    command = [_faketime(), "-f", MOMENT, sys.executable, *map(str, args)]
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=_environment(database),
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        _fail(f"{what} took longer than {STEP_TIMEOUT_SECONDS} s: {' '.join(command)}")
    if result.returncode:
        _fail(
            f"{what} failed (exit {result.returncode}) in {cwd}:\n"
            f"{' '.join(command)}\n--- stdout\n{result.stdout[-3000:]}\n"
            f"--- stderr\n{result.stderr[-5000:]}"
        )


def _files(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*") if path.is_file()}


def _table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _changed(before: bytes, after: bytes) -> bool:
    """Whether the upgraded export lost or changed anything of the baseline's: the same
    bytes, or the same response head and the same rows whose first cells are the
    baseline's cells with new columns after them (a header of new names), count as
    unchanged."""
    if before == after:
        return False
    # The file is the response head (status, content type, file name), a blank line, the CSV.
    (old_head, _, old_body), (new_head, _, new_body) = (
        before.partition(b"\n\n"),
        after.partition(b"\n\n"),
    )
    old, new = _table(old_body), _table(new_body)
    if old_head != new_head or len(old) != len(new) or not old:
        return True
    width = len(old[0])
    if len(new[0]) == width:  # no new column: the bytes must be the same
        return True
    return any(len(b) != len(new[0]) or b[:width] != a for a, b in zip(old, new, strict=True))


def _differences(before: Path, after: Path) -> str:
    """Empty when both folders hold the same files and every export kept the
    baseline's columns (``_changed``); else which files differ and unified diffs of the
    first of them."""
    old, new = _files(before), _files(after)
    changed = sorted(
        name
        for name in old & new
        if _changed((before / name).read_bytes(), (after / name).read_bytes())
    )
    if not changed and old == new:
        return ""
    lines = [f"{len(changed)} of {len(old & new)} exports differ after the upgrade."]
    lines += [f"missing after the upgrade: {name}" for name in sorted(old - new)]
    lines += [f"new after the upgrade: {name}" for name in sorted(new - old)]
    lines += [f"differs: {name}" for name in changed[:20]]
    if len(changed) > 20:
        lines.append(f"... and {len(changed) - 20} more")
    for name in changed[:DIFFS_SHOWN]:
        diff = difflib.unified_diff(
            (before / name).read_text(errors="replace").splitlines(),
            (after / name).read_text(errors="replace").splitlines(),
            fromfile=f"baseline {name}",
            tofile=f"upgraded {name}",
            lineterm="",
        )
        shown = list(diff)
        lines += ["", *shown[:DIFF_LINES_SHOWN]]
        if len(shown) > DIFF_LINES_SHOWN:
            lines.append(f"... {len(shown) - DIFF_LINES_SHOWN} more diff lines")
    return "\n".join(lines)


@pytest.mark.parametrize("commit", BASELINES.values(), ids=BASELINES.keys())
def test_every_export_is_the_same_after_upgrading_a_seeded_baseline_database(tmp_path, commit):
    _faketime()
    baseline = tmp_path / "baseline"
    _extract_baseline(baseline, commit)
    seeded, upgraded = tmp_path / "baseline.sqlite3", tmp_path / "upgraded.sqlite3"
    before, after = tmp_path / "exports-baseline", tmp_path / "exports-upgraded"
    urls = tmp_path / "urls.json"  # listed by the baseline's run, asked again after
    script = EXPORT_SCRIPT

    _run("migrate at the baseline", MIGRATE, cwd=baseline, database=seeded)
    _run("seed_demo at the baseline", SEED, cwd=baseline, database=seeded)
    # The copy is upgraded untouched by the baseline's export (its sign-in, its session).
    shutil.copyfile(seeded, upgraded)
    _run("the baseline's exports", [script, baseline, before, urls], cwd=baseline, database=seeded)
    _run("migrate with this tree's code", MIGRATE, cwd=ROOT, database=upgraded)
    _run("this tree's exports", [script, ROOT, after, urls], cwd=ROOT, database=upgraded)

    differences = _differences(before, after)
    if differences:
        _fail(differences)


def test_an_export_may_only_add_columns_at_the_end():
    head = b"GET /x\nStatus: 200\n\n"
    before = head + "\ufeffTicket,Client\r\nT-1,Acme\r\n".encode()
    assert not _changed(before, head + "\ufeffTicket,Client,Title\r\nT-1,Acme,Printer\r\n".encode())
    assert _changed(before, head + "\ufeffTicket,Title,Client\r\nT-1,Printer,Acme\r\n".encode())
    assert _changed(before, head + "\ufeffTicket,Client,Title\r\nT-2,Acme,\r\n".encode())
    assert _changed(before, head + "\ufeffTicket,Client,Title\r\n".encode())
    assert _changed(before, b"GET /x\nStatus: 500\n\n" + before[len(head) :])
