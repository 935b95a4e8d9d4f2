"""kerafront.utils.get_file against an HTTP server on 127.0.0.1 (no internet): caching, hashes,
atomic downloads, and extraction that refuses hostile archives."""

import hashlib
import io
import os
import pathlib
import tarfile
import zipfile

import pytest

from kerafront.utils import file_utils, get_file

PAYLOAD = b"kerafront get_file payload\n" * 100


def _tar(path, members):
    """``members``: ``[(name, bytes or a TarInfo-configuring callable)]``."""
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if callable(content):
                content(info)
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))


def test_download_cache_and_hashes(file_server, tmp_path, capsys):
    base, root, requests = file_server
    (root / "data.bin").write_bytes(PAYLOAD)
    sha256 = hashlib.sha256(PAYLOAD).hexdigest()
    cache = tmp_path / "cache"
    path = get_file("data.bin", f"{base}/data.bin", file_hash=sha256, cache_dir=cache)
    assert path == os.path.join(cache, "datasets", "data.bin")
    assert pathlib.Path(path).read_bytes() == PAYLOAD
    assert "Downloading data from" in capsys.readouterr().out
    assert get_file(origin=f"{base}/data.bin", md5_hash=hashlib.md5(PAYLOAD).hexdigest(), cache_dir=cache) == path
    assert len(requests) == 1  # the cached, verified file is not fetched again
    get_file("data.bin", f"{base}/data.bin", cache_dir=cache, force_download=True)
    assert len(requests) == 2
    pathlib.Path(path).write_bytes(b"stale")
    get_file("data.bin", f"{base}/data.bin", file_hash=sha256, cache_dir=cache)  # a stale cached file is refreshed
    assert len(requests) == 3 and pathlib.Path(path).read_bytes() == PAYLOAD


def test_bad_hash_leaves_nothing_in_the_cache(file_server, tmp_path):
    base, root, _ = file_server
    (root / "data.bin").write_bytes(PAYLOAD)
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="incomplete or corrupted.*expected 0+"):
        get_file("data.bin", f"{base}/data.bin", file_hash="0" * 64, cache_dir=cache)
    assert os.listdir(cache / "datasets") == []
    with pytest.raises(OSError, match="HTTP 404"):
        get_file("missing.bin", f"{base}/missing.bin", cache_dir=cache)
    assert os.listdir(cache / "datasets") == []


def test_default_cache_is_kerafront_home(file_server, tmp_path, monkeypatch):
    base, root, _ = file_server
    (root / "data.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv("KERAFRONT_HOME", str(tmp_path / "home"))
    path = get_file(origin=f"{base}/data.bin", cache_subdir="mine")
    assert path == os.path.join(tmp_path, "home", "mine", "data.bin")


def test_extract_tar_and_zip(file_server, tmp_path):
    base, root, _ = file_server
    _tar(root / "pack.tar.gz", [("pack/a.txt", b"alpha"), ("pack/sub/b.txt", b"beta")])
    with zipfile.ZipFile(root / "pack.zip", "w") as archive:
        archive.writestr("z/c.txt", "gamma")
    cache = tmp_path / "cache"
    folder = get_file("pack.tar.gz", f"{base}/pack.tar.gz", extract=True, cache_dir=cache)
    assert folder == os.path.join(cache, "datasets", "pack_extracted")
    assert pathlib.Path(folder, "pack", "sub", "b.txt").read_bytes() == b"beta"
    folder = get_file(origin=f"{base}/pack.zip", extract=True, cache_dir=cache)
    assert folder == os.path.join(cache, "datasets", "pack.zip")
    assert pathlib.Path(folder, "z", "c.txt").read_text() == "gamma"
    assert os.path.isfile(os.path.join(cache, "datasets", "pack.zip_archive"))


def _symlink(info):
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"


def _hardlink(info):
    info.type, info.linkname = tarfile.LNKTYPE, "../outside"


def _fifo(info):
    info.type = tarfile.FIFOTYPE


@pytest.mark.parametrize("members, message", [
    ([("ok.txt", b"1"), ("../evil.txt", b"x")], "leaves the extraction folder"),
    ([("/tmp/evil.txt", b"x")], "leaves the extraction folder"),
    ([("a/../../evil.txt", b"x")], "leaves the extraction folder"),
    ([("link", _symlink)], "is a link"),
    ([("hard", _hardlink)], "is a link"),
    ([("pipe", _fifo)], "FIFO"),
], ids=["dotdot", "absolute", "nested-dotdot", "symlink", "hardlink", "fifo"])
def test_hostile_tar_is_refused_before_writing(tmp_path, members, message):
    archive = tmp_path / "bad.tar.gz"
    _tar(archive, members)
    target = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        file_utils.extract_archive(archive, target)
    assert not target.exists() and not (tmp_path / "evil.txt").exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.tar.gz"]  # no staging folder left behind


def test_hostile_zip_and_size_cap(tmp_path, monkeypatch):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../evil.txt", "x")
    with pytest.raises(ValueError, match="leaves the extraction folder"):
        file_utils.extract_archive(archive, tmp_path / "out")
    link = zipfile.ZipInfo("link")
    link.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(link, "/etc/passwd")
    with pytest.raises(ValueError, match="link or special file"):
        file_utils.extract_archive(archive, tmp_path / "out")
    big = tmp_path / "big.tar.gz"
    _tar(big, [("a", b"0" * 600), ("b", b"0" * 600)])
    monkeypatch.setattr(file_utils, "MAX_EXTRACT_BYTES", 1000)
    with pytest.raises(ValueError, match="over the limits"):
        file_utils.extract_archive(big, tmp_path / "out")
    monkeypatch.setattr(file_utils, "MAX_EXTRACT_BYTES", 10**6)
    monkeypatch.setattr(file_utils, "MAX_EXTRACT_MEMBERS", 1)
    with pytest.raises(ValueError, match="2 members"):
        file_utils.extract_archive(big, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="pass origin"):
        get_file("x")
    with pytest.raises(ValueError, match="http"):
        get_file("x", "gopher://example/x", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="not a path"):
        get_file("a/b.txt", "http://127.0.0.1:9/b.txt", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="hash_algorithm must be"):
        get_file("b.txt", "http://127.0.0.1:9/b.txt", file_hash="00", hash_algorithm="sha1", cache_dir=tmp_path)
