"""Zip archives from outside kerafront, read with every member checked before one is inflated.

``CheckedZip`` opens a regular file only (``_files.open_regular``), never extracts by member name and
never trusts a declared size: before any member is inflated it refuses names that are absolute, hold
``..``, a drive letter or a NUL, members the subclass does not expect (``allows``) or that appear twice,
members reaching past the end of the file, members declared larger than the subclass's ``limit``, and
compressed members inflating more than ``MAX_RATIO`` times (zip bombs). Reading stops at the declared
size, so a member that inflates to more than it declares is refused too. Used by kerafront's model
file, Keras's ``.keras`` file and the downloaded ``.npz`` data sets.
"""

import os
import zipfile
import zlib

from kerafront import _files

MAX_RATIO = 200
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError,
               UnicodeDecodeError, KeyError, OverflowError)
_CHUNK = 1 << 20


class CheckedZip:
    """A checked zip file open for reading (a context manager); ``members`` maps names to ``ZipInfo``.

    Subclasses set ``description`` (what the file should be, for messages), ``required`` (member
    names that must be there) and may override ``allows``, ``limit`` and ``check``. ``what`` names the
    caller in every error (``"load_model"``)."""

    description = "a zip archive"
    required = ()
    max_member_bytes = 2 * 2**30

    def __init__(self, path, what):
        self.path = os.fspath(path)
        self.what = what
        self._file = _files.open_regular(self.path, what)
        try:
            self.size = os.fstat(self._file.fileno()).st_size
            try:
                self._zip = zipfile.ZipFile(self._file, "r")
            except (READ_ERRORS + (ValueError,)) as error:
                raise self.error(f"not {self.description} (not a readable zip: {error}).") from None
            try:
                self.members = self._checked_members()
            except BaseException:
                self._zip.close()
                raise
        except BaseException:
            self._file.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._zip.close()
        self._file.close()
        return False

    def allows(self, name):
        """Whether a member called ``name`` may be in the file."""
        return True

    def limit(self, info):
        """The most bytes member ``info`` may declare."""
        return self.max_member_bytes

    def check(self, info):
        """Further checks of one member before it is accepted (raise ``self.error(...)``)."""

    def error(self, message):
        return ValueError(f"{self.what}: {self.path}: {message}")

    def _checked_members(self):
        infos = {}
        for info in self._zip.infolist():
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or ":" in name or "\x00" in name:
                raise self.error(f"refusing member name {name!r} (absolute path or '..').")
            if not self.allows(name):
                raise self.error(f"unexpected member {name!r}; {self.description} does not hold it.")
            if name in infos:
                raise self.error(f"member {name!r} appears twice.")
            if info.header_offset + info.compress_size > self.size:
                raise self.error(f"member {name!r} reaches past the end of the {self.size}-byte file; the file is "
                                 "truncated.")
            limit = self.limit(info)
            if info.file_size > limit or (info.compress_type != zipfile.ZIP_STORED
                                          and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise self.error(f"member {name!r} declares {info.file_size} bytes from {info.compress_size} "
                                 f"compressed (limit {limit} bytes, ratio {MAX_RATIO}); refusing a possible zip bomb.")
            self.check(info)
            infos[name] = info
        missing = [name for name in self.required if name not in infos]
        if missing:
            raise self.error(f"missing members {missing}; the file is incomplete or not {self.description}.")
        return infos

    def open(self, name):
        """Member ``name`` as a stream (``zipfile`` inflates it lazily)."""
        return self._zip.open(self.members[name])

    def read(self, name):
        """Member ``name``'s bytes: exactly its declared size, or an error."""
        info = self.members[name]
        try:
            with self._zip.open(info) as stream:
                raw = stream.read(info.file_size + 1)
        except READ_ERRORS as error:
            raise self.error(f"cannot read {name} ({type(error).__name__}: {error}).") from None
        if len(raw) != info.file_size:
            raise self.error(f"{name} does not inflate to its declared {info.file_size} bytes; the file is damaged.")
        return raw

    def read_json(self, name):
        """Member ``name`` parsed as a JSON object (depth-limited)."""
        value = _files.loads_json(self.read(name), f"{self.path}: {name}")
        if not isinstance(value, dict):
            raise self.error(f"{name} must hold a JSON object.")
        return value

    def copy_to(self, name, target_path):
        """Member ``name`` written to ``target_path`` in chunks, never past its declared size."""
        info = self.members[name]
        try:
            with self._zip.open(info) as source, open(target_path, "wb") as target:
                left = info.file_size
                for chunk in iter(lambda: source.read(min(_CHUNK, left + 1)), b""):
                    left -= len(chunk)
                    if left < 0:
                        raise self.error(f"{name} inflates to more than its declared {info.file_size} bytes.")
                    target.write(chunk)
        except READ_ERRORS as error:
            raise self.error(f"cannot read {name} ({type(error).__name__}: {error}); the file is truncated or "
                             "damaged.") from None
