"""Content that loads once: read units kept on disk, and each unit's last working version."""
from __future__ import annotations

import pickle
import shutil

import pytest

from lms import create_app
from lms.catalog import services as catalog_module
from lms.catalog.render_cache import DiskUnitCache
from lms.content import load_catalog
from lms.content.course_reader import CourseReader
from lms.content.scenario_reader import ScenarioReader
from tests.conftest import FIXTURE_CONTENT, ROOT, _config


class DictCache:
    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.entries.get(key)

    def put(self, key: str, data: bytes) -> None:
        self.entries[key] = data


@pytest.fixture
def content_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def _counting(monkeypatch) -> dict[str, int]:
    reads = {"course": 0, "scenario": 0}
    for kind, reader in (("course", CourseReader), ("scenario", ScenarioReader)):
        original = reader.read

        def read(self, _original=original, _kind=kind):
            reads[_kind] += 1
            return _original(self)
        monkeypatch.setattr(reader, "read", read)
    return reads


def _same(a, b) -> None:
    assert set(a.courses) == set(b.courses) and set(a.scenarios) == set(b.scenarios)
    assert a.courses == b.courses and a.scenarios == b.scenarios  # frozen dataclasses: compared field by field
    assert a.problems == b.problems and dict(a.org_used) == dict(b.org_used) and a.org_missing == b.org_missing


def test_a_warm_load_reads_nothing_and_gives_the_same_catalogue(monkeypatch):
    cache = DictCache()
    cold = load_catalog(ROOT, cache=cache)  # the sample content: org variables, snippets, scenarios
    reads = _counting(monkeypatch)
    warm = load_catalog(ROOT, cache=cache)
    assert reads == {"course": 0, "scenario": 0}
    _same(cold, warm)
    _same(load_catalog(ROOT), warm)  # and the same as without any cache


def test_an_edit_reads_again_only_its_own_unit(content_dir, monkeypatch):
    cache = DictCache()
    load_catalog(content_dir, cache=cache)
    (content_dir / "courses" / "advanced" / "1-only.md").write_text("---\ntitle: Edited\n---\nNew text.\n")
    reads = _counting(monkeypatch)
    catalog = load_catalog(content_dir, cache=cache)
    assert reads == {"course": 1, "scenario": 0}
    assert catalog.course("advanced").step("only").title == "Edited"
    # Other settings are other keys: new organisation values read everything again.
    load_catalog(content_dir, cache=cache, org={"charity_name": "Another charity"})
    assert reads["course"] == 1 + len(catalog.courses)


def test_disk_cache_refuses_entries_it_did_not_sign(tmp_path):
    cache = DiskUnitCache(tmp_path / "cache", "site-secret")
    cache.put("ab" * 32, pickle.dumps("fine"))
    assert pickle.loads(cache.get("ab" * 32)) == "fine"
    assert DiskUnitCache(tmp_path / "cache", "another-secret").get("ab" * 32) is None
    path = tmp_path / "cache" / "ab" / f"{'ab' * 32}.bin"
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    assert cache.get("ab" * 32) is None


def test_the_kept_working_version_is_the_newest_any_worker_saw(tmp_path):
    """Two workers share the folder: one kept an edit, then the other saw the edit undone. The undone version
    must be what is kept (the second worker skipped the write: it had written that version itself before)."""
    from lms.catalog.render_cache import LastGood

    cache = DiskUnitCache(tmp_path / "cache", "a secret for the test")
    first, second = LastGood(cache, tmp_path), LastGood(cache, tmp_path)
    first.remember("course", "c", {"title": "Before"})
    second.remember("course", "c", {"title": "Edited"})
    first.remember("course", "c", {"title": "Before"})  # the edit undone, seen by the first worker
    assert second.recall("course", "c") == {"title": "Before"}


def test_a_broken_edit_keeps_the_working_version_after_a_restart(app, content_dir, tmp_path, database_url):
    with app.app_context():
        working = catalog_module.holder().catalog.course("advanced")
    assert working is not None
    (content_dir / "courses" / "advanced" / "course.md").write_text("---\ntitel: oops\n---\nBroken.\n")
    restarted = create_app(_config(database_url, content_dir), instance_path=app.instance_path)
    try:
        with restarted.app_context():
            holder = catalog_module.holder()
            assert holder.catalog.course("advanced") == working
            assert holder.kept == ["course advanced"]
            assert any(p.path == "courses/advanced/course.md" for p in holder.catalog.errors)  # still listed
    finally:
        restarted.extensions["lms_db"].dispose()
    # A site that never had a working version has nothing to keep.
    fresh_site = create_app(_config(database_url, content_dir), instance_path=str(tmp_path / "fresh-site"))
    try:
        with fresh_site.app_context():
            assert catalog_module.holder().catalog.course("advanced") is None
    finally:
        fresh_site.extensions["lms_db"].dispose()
