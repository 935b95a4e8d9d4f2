"""``get_file``: download a file once into kerafront's cache, check its hash, optionally extract it.

The cache is ``$KERAFRONT_HOME/<cache_subdir>`` (``~/.kerafront/datasets`` by default; Keras uses
``~/.keras``), or ``cache_dir`` when given. Downloads use the standard library (``urllib``), go to a
temporary file in the cache folder and are renamed into place only once complete and, when a hash
is given, verified: an interrupted or corrupted download never stands in the cache.

Archives (tar, tar.gz/bz2/xz, zip) are hostile until checked. Every member is checked before a
byte is written, and the whole archive is refused (``ValueError`` naming the member) when one is
an absolute path, has a ``..`` component, is a link or a device/FIFO, or when the members add up to
more than ``MAX_EXTRACT_BYTES`` or ``MAX_EXTRACT_MEMBERS``. Writing stops at each member's
declared size, so a member that inflates to more than it declares is refused too.
"""

import hashlib
import os
import shutil
import stat
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from kerafront import config

MAX_EXTRACT_BYTES = 16 * 2**30
MAX_EXTRACT_MEMBERS = 1_000_000
_CHUNK = 1 << 16
_SCHEMES = ("http", "https", "ftp", "file")


def kerafront_home():
    """``$KERAFRONT_HOME``, or ``~/.kerafront`` (where ``kerafront.json`` lives)."""
    return os.path.dirname(config.config_path())


def resolve_hasher(algorithm, file_hash=None):
    """A ``hashlib`` object for ``"sha256"``, ``"md5"`` or ``"auto"`` (sha256 for a 64-character hash)."""
    if algorithm == "auto":
        algorithm = "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got {algorithm!r}.")
    return hashlib.sha256() if algorithm == "sha256" else hashlib.md5()


def hash_file(fpath, algorithm="sha256", file_hash=None):
    """The hex digest of the file at ``fpath``."""
    from kerafront import _files
    hasher = resolve_hasher(algorithm, file_hash)
    with _files.open_regular(fpath, "get_file") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    """True when the file's hash equals ``file_hash`` (case-insensitive)."""
    return hash_file(fpath, algorithm, file_hash) == str(file_hash).lower()


def _cache_folder(cache_dir, cache_subdir):
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else kerafront_home()
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".kerafront")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _download(origin, target, file_hash, hash_algorithm):
    """``origin`` to ``target`` through a temporary file beside it, renamed once complete and verified."""
    from kerafront.utils.progbar import Progbar
    print(f"Downloading data from {origin}")
    handle, partial = tempfile.mkstemp(prefix=".download-", dir=os.path.dirname(target))
    hasher = resolve_hasher(hash_algorithm, file_hash) if file_hash is not None else None
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(origin) as response:
                    total = response.headers.get("Content-Length")
                    progbar = Progbar(int(total) if total and total.isdigit() else None, verbose=1, unit_name="B")
                    received = 0
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        out.write(chunk)
                        if hasher is not None:
                            hasher.update(chunk)
                        received += len(chunk)
                        progbar.update(received)
                    if progbar.target != received:
                        progbar.update(received, finalize=True)
            except urllib.error.HTTPError as error:
                raise OSError(f"get_file: URL fetch failure on {origin}: HTTP {error.code} {error.reason}.") from None
            except urllib.error.URLError as error:
                raise OSError(f"get_file: URL fetch failure on {origin}: {error.reason}.") from None
        if hasher is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(f"get_file: the file downloaded from {origin} is incomplete or corrupted: its "
                             f"{hasher.name} hash is {hasher.hexdigest()}, expected {file_hash}.")
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of the file at URL ``origin``, downloaded into the cache unless already there.

    Arguments as Keras's ``keras.utils.get_file``: ``fname`` (a file name, default: the URL's last
    component), ``file_hash`` (sha256 or md5 hex; checked on a cached file, which is downloaded again
    when it does not match, and on every download, which is refused when it does not match),
    ``extract``/``untar`` with ``archive_format`` ("auto", "tar", "zip" or a list) to unpack an archive
    -- the return value is then the extraction folder (``<name>_extracted`` when ``fname`` has an
    extension) -- and ``force_download``. ``md5_hash`` is the older spelling of an md5 ``file_hash``.

    The archive is extracted again only when it was downloaded by this call or its folder is missing.
    """
    if origin is None:
        raise ValueError("get_file: pass origin, the URL of the file to download.")
    scheme = urllib.parse.urlsplit(origin).scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"get_file: origin must be an http(s), ftp or file URL, got {origin!r}.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if file_hash is not None:
        resolve_hasher(hash_algorithm, file_hash)
    folder = _cache_folder(cache_dir, cache_subdir)
    given_name = os.fspath(fname) if fname is not None else None
    name = given_name or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(f"get_file: cannot take a file name from origin {origin!r}; pass fname.")
    if os.sep in name or (os.altsep and os.altsep in name) or name in (".", ".."):
        raise ValueError(f"get_file: fname must be a file name, not a path (got {name!r}); pass the folder as "
                         "cache_dir.")
    extracting = extract or untar
    if extracting and given_name and "." in name:
        target = os.path.join(folder, name)
        extraction_dir = os.path.join(folder, name[:name.find(".")] + "_extracted")
    elif extracting:
        target = os.path.join(folder, name + "_archive")
        extraction_dir = os.path.join(folder, name)
    else:
        target, extraction_dir = os.path.join(folder, name), None
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(f"A local file was found, but its hash does not match {file_hash}; downloading it again.")
        download = True
    if download:
        _download(origin, target, file_hash, hash_algorithm)
    if not extracting:
        return target
    if download or not os.path.isdir(extraction_dir):
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            raise ValueError(f"get_file: {target} is not a {archive_format} archive kerafront can extract "
                             "(tar, tar.gz/bz2/xz or zip).")
    return extraction_dir


def _safe_name(name, archive):
    """``name`` as a relative path inside the extraction folder, or ``ValueError``."""
    normalized = name.replace("\\", "/")
    parts = [part for part in normalized.split("/") if part not in ("", ".")]
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":") or ".." in parts:
        raise ValueError(f"get_file: archive {archive} holds the member {name!r}, whose path leaves the "
                         "extraction folder (absolute or with '..'); refusing the archive.")
    return os.path.join(*parts) if parts else ""


def _check_total(members, total, archive):
    if members > MAX_EXTRACT_MEMBERS or total > MAX_EXTRACT_BYTES:
        raise ValueError(f"get_file: archive {archive} holds {members} members and {total} bytes, over the "
                         f"limits of {MAX_EXTRACT_MEMBERS} members and {MAX_EXTRACT_BYTES} bytes "
                         "(kerafront.utils.file_utils.MAX_EXTRACT_*); refusing the archive.")


def _tar_plan(archive, path):
    """``[(relative path, member or None for a folder, size)]`` for a checked tar archive."""
    plan, total = [], 0
    for member in archive.getmembers():
        relative = _safe_name(member.name, path)
        if not (member.isfile() or member.isdir()):
            kind = "a link" if member.issym() or member.islnk() else "a device, FIFO or other special file"
            raise ValueError(f"get_file: archive {path} holds the member {member.name!r}, which is {kind}; "
                             "kerafront extracts only regular files and folders; refusing the archive.")
        total += member.size if member.isfile() else 0
        plan.append((relative, member if member.isfile() else None, member.size))
        _check_total(len(plan), total, path)
    return plan


def _zip_plan(archive, path):
    plan, total = [], 0
    for info in archive.infolist():
        relative = _safe_name(info.filename, path)
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the writer recorded no Unix file type
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ValueError(f"get_file: archive {path} holds the member {info.filename!r}, which is a link or "
                             "special file; kerafront extracts only regular files and folders; refusing the archive.")
        total += info.file_size
        plan.append((relative, None if info.is_dir() else info, info.file_size))
        _check_total(len(plan), total, path)
    return plan


def _copy_limited(source, destination, size, name, archive):
    """Copy at most ``size`` bytes; a member with more data than it declared is refused."""
    written = 0
    for chunk in iter(lambda: source.read(_CHUNK), b""):
        written += len(chunk)
        if written > size:
            raise ValueError(f"get_file: archive {archive}'s member {name!r} holds more data than the {size} bytes "
                             "it declares; refusing the archive.")
        destination.write(chunk)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract the tar or zip archive ``file_path`` into folder ``path``; False when it is neither.

    Members are checked first (see the module docstring); the files go to a temporary folder that
    replaces ``path`` once everything is written.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(f"get_file: archive_format must be 'auto', 'tar', 'zip' or a list of those, got "
                             f"{archive_format!r}.")
    file_path = os.fspath(file_path)
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            opener, planner = tarfile.open, _tar_plan
        elif kind == "zip" and zipfile.is_zipfile(file_path):
            opener, planner = zipfile.ZipFile, _zip_plan
        else:
            continue
        with opener(file_path) as archive:
            _extract_planned(archive, planner(archive, file_path), os.fspath(path), file_path)
        return True
    return False


def _extract_planned(archive, plan, path, archive_path):
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".extract-", dir=parent)
    try:
        for relative, member, size in plan:
            destination = os.path.join(staging, relative)
            if member is None:
                os.makedirs(destination, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            source = archive.extractfile(member) if isinstance(archive, tarfile.TarFile) else archive.open(member)
            with source, open(destination, "wb") as out:
                _copy_limited(source, out, size, relative, archive_path)
        if os.path.lexists(path):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if sys.platform != "win32":
        os.chmod(path, 0o755)
