"""Back-ups: export a deployment, restore it elsewhere; damaged or foreign archives change nothing.

Real store, real model, real CLI processes, on a two-report corpus (a build costs seconds).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index import Settings, build_index, load_index
from index.admin import AdminError, set_metadata
from index.backup import check_archive, export_deployment, import_deployment
from web.feedback import AppendOnlyLog

ROOT = Path(__file__).resolve().parent.parent


def _deployment(root: Path) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "a-report.txt").write_text(
        "2013年测试区政府工作报告\n\n一、2013年工作回顾\n\n地区生产总值预计实现2800亿元。\n", encoding="utf-8"
    )
    (corpus / "b-report.txt").write_text(
        "2020年测试区政府工作报告\n\n一、2019年工作回顾\n\n社会消费品零售总额预计实现1089亿元。\n", encoding="utf-8"
    )
    return Settings(corpus_dir=corpus, index_dir=root / "index", var_dir=root / "var")


def _state(settings: Settings) -> dict[str, str]:
    """Every file of corpus and var (the feedback log), hidden ones too, with its hash."""
    files = [p for d in (settings.corpus_dir, settings.var_dir) if d.exists() for p in d.rglob("*") if p.is_file()]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture
def source(tmp_path: Path) -> Settings:
    """A deployment with a metadata correction and a feedback log."""
    settings = _deployment(tmp_path / "site-a")
    build_index(settings)
    set_metadata(settings, "a-report", {"speaker": "测试区区长 张三"})
    AppendOnlyLog(settings.var_dir / "feedback.jsonl").append({"vote": "up", "question": "2019年零售总额？"})
    return settings


def test_export_then_import_restores_documents_corrections_and_feedback(source: Settings, tmp_path: Path) -> None:
    archive = tmp_path / "backup"
    done = subprocess.run(
        [sys.executable, "-m", "index", "export", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XQA_CORPUS_DIR": str(source.corpus_dir), "XQA_VAR_DIR": str(source.var_dir)},
    )
    assert done.returncode == 0, done.stderr
    manifest = check_archive(archive)
    assert manifest["documents"] == ["a-report", "b-report"]
    assert set(manifest["files"]) == {
        "corpus/a-report.txt",
        "corpus/b-report.txt",
        "corpus/catalog.json",
        "feedback.jsonl",
    }

    target = _deployment(tmp_path / "site-b")  # another deployment, with other content
    (target.corpus_dir / "b-report.txt").unlink()
    (target.corpus_dir / "c-report.txt").write_text("2021年测试区新建图书馆7座。\n", encoding="utf-8")
    build_index(target)
    restored = subprocess.run(
        [sys.executable, "-m", "index", "import", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "XQA_CORPUS_DIR": str(target.corpus_dir),
            "XQA_INDEX_DIR": str(target.index_dir),
            "XQA_VAR_DIR": str(target.var_dir),
        },
    )
    assert restored.returncode == 0, restored.stderr
    index = load_index(target)
    assert sorted(index.docs) == ["a-report", "b-report"]
    assert index.docs["a-report"].speaker == "测试区区长 张三"  # the correction came along
    assert [r["question"] for r in AppendOnlyLog(target.var_dir / "feedback.jsonl").read()] == ["2019年零售总额？"]
    for name in ("a-report.txt", "b-report.txt", "catalog.json"):
        assert (target.corpus_dir / name).read_bytes() == (source.corpus_dir / name).read_bytes()
    assert not list(target.corpus_dir.parent.glob(".*"))  # no staging left beside the corpus


def _damage(kind: str, archive: Path) -> str:
    """Spoil an archive one way; the words the refusal must contain."""
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    if kind == "flipped byte":
        path = archive / "corpus" / "a-report.txt"
        data = bytearray(path.read_bytes())
        data[10] ^= 1
        path.write_bytes(bytes(data))
        return "已损坏"
    if kind == "missing file":
        (archive / "corpus" / "b-report.txt").unlink()
        return "缺少"
    if kind == "unlisted file":
        (archive / "corpus" / "extra.txt").write_text("2099年", encoding="utf-8")
        return "未列出"
    if kind == "no manifest":
        (archive / "manifest.json").unlink()
        return "不是本系统导出的备份"
    if kind == "torn manifest":
        (archive / "manifest.json").write_text('{"format": "xqa-backup", "fil', encoding="utf-8")
        return "已损坏"
    if kind == "foreign format":
        manifest["format"] = "someone-elses-backup"
    elif kind == "future version":
        manifest["version"] = 99
    elif kind == "path outside":
        manifest["files"]["../../etc/evil.txt"] = manifest["files"].pop("corpus/b-report.txt")
        shutil.move(archive / "corpus" / "b-report.txt", archive / "evil.txt")
    (archive / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return {"foreign format": "不是本系统", "future version": "版本", "path outside": "不允许的路径"}[kind]


KINDS = [
    "flipped byte",
    "missing file",
    "unlisted file",
    "no manifest",
    "torn manifest",
    "foreign format",
    "future version",
    "path outside",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(
    source: Settings, tmp_path: Path, kind: str
) -> None:
    archive = tmp_path / "backup"
    export_deployment(source, archive)
    words = _damage(kind, archive)
    target = _deployment(tmp_path / "site-b")
    build_index(target)
    files, index_path = _state(target), load_index(target).path
    with pytest.raises(AdminError, match=words) as exc:
        import_deployment(target, archive)
    assert "未做任何改动" in str(exc.value)
    assert _state(target) == files and load_index(target).path == index_path
    assert not list(target.corpus_dir.parent.glob(".*"))


def test_export_refuses_a_folder_that_is_not_empty(source: Settings, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(AdminError, match="不是空目录"):
        export_deployment(source, tmp_path / "full")
    assert (tmp_path / "full" / "keep.txt").read_text(encoding="utf-8") == "x"
