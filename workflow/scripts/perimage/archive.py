"""Images inside a zip archive: the one owner of the zip format for input.

``input_dir`` may name a ``.zip`` file (or a folder inside one:
``EuroSAT_RGB.zip/EuroSAT_RGB``). Its members are the images, their paths
inside the archive (below that folder) their identities. The archive's
central directory is read once per process, in one ``read``, into columns
(no object per member: a million members cost a few arrays, not a gigabyte);
a member is then read with one ``pread`` of its local header and data, never
extracted to disk. What tells that a member changed is its size and CRC-32,
both in the central directory: rewriting the archive with the same members
changes nothing.

Faults of a whole archive (not a zip, truncated, a damaged central
directory) are ``InputError``: the run cannot start. Faults of one member
(encrypted, a compression method other than stored or deflate, a CRC
mismatch, a size beyond the limit, an unsafe name) are ``Rejected``: that
image is left out with the reason, and the run goes on.
"""

from __future__ import annotations

import os
import struct
from array import array
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .errors import InputError, Rejected

try:  # the same inflate, several times faster (a pinned dependency)
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover
    import zlib as _zlib

SUFFIX = ".zip"
STORED, DEFLATED = 0, 8
METHODS = {
    1: "shrink",
    6: "implode",
    9: "deflate64",
    12: "bzip2",
    14: "LZMA",
    93: "Zstandard",
    95: "XZ",
    98: "PPMd",
    99: "AES encryption",
}
# A member may hold at most this many bytes per pixel of max_pixels, before
# or after decompression: more than any image format needs (16-bit RGBA,
# uncompressed, is 8), and a decompression bomb is refused before it is
# inflated rather than after it fills the memory of a block job.
BYTES_PER_PIXEL = 16

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
_MAX_COMMENT = 65535
_S_IFMT, _S_IFREG, _S_IFLNK = 0o170000, 0o100000, 0o120000


def member_limit(max_pixels: int) -> int:
    """The most bytes a member may declare or inflate to."""
    return BYTES_PER_PIXEL * max_pixels


def split(input_dir: str) -> tuple[str, str] | None:
    """(archive file, folder inside it as a prefix ending in "/" or "") when
    ``input_dir`` names a zip archive or a folder inside one; else None."""
    lower = input_dir.lower()
    if lower.endswith(SUFFIX) and not os.path.isdir(input_dir):
        return input_dir, ""
    at = lower.find(SUFFIX + "/")
    while at != -1:
        path = input_dir[: at + len(SUFFIX)]
        if os.path.isfile(path):
            inner = input_dir[at + len(SUFFIX) + 1 :].strip("/")
            return path, inner + "/" if inner else ""
        at = lower.find(SUFFIX + "/", at + 1)
    return None


def unsafe_name(name: str) -> str | None:
    """Why a member's name cannot be an image's identity, or None: it would
    name a file outside the folder its outputs mirror it into."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"unsafe member name {name!r}: an absolute path"
    parts = name.split("/")
    if ".." in parts:
        return f"unsafe member name {name!r}: it climbs out of its folder ('..')"
    if "" in parts or "\\" in name:
        return f"unsafe member name {name!r}: an empty folder name or a backslash"
    return None


@dataclass
class Index:
    """The archive's central directory as columns, in archive order. For
    each member: name, flags, compression method, CRC-32, compressed and
    declared size, local header offset, and the Unix file type (0 unknown).
    ``position`` maps a name to its last entry (made when first asked for:
    listing needs none)."""

    path: str
    names: list[str]
    flags: array
    methods: array
    crcs: array
    compressed: array
    sizes: array
    offsets: array
    kinds: array

    @cached_property
    def position(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def is_regular(self, i: int) -> bool:
        return self.kinds[i] in (0, _S_IFREG)

    def is_link(self, i: int) -> bool:
        return self.kinds[i] == _S_IFLNK


def _bad(path: str, reason: str) -> InputError:
    return InputError(f"input_dir {path!r} is not a valid zip archive: {reason}")


def read_index(path: str) -> Index:
    """The central directory of ``path``; ``InputError`` naming the file
    when it cannot be read, is not a zip archive or its directory is
    damaged. Read once per process while the file stays the same."""
    return _read_index(path, _identity(path))


def _identity(path: str) -> tuple[int, int, int, int]:
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(f"input_dir {path!r} cannot be read: {e.strerror}") from None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


@lru_cache(maxsize=256)
def _read_index(path: str, identity) -> Index:
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            tail_start = max(0, size - _EOCD.size - _MAX_COMMENT)
            fh.seek(tail_start)
            tail = fh.read()
            at = tail.rfind(b"PK\x05\x06")
            if at == -1 or len(tail) - at < _EOCD.size:
                raise _bad(
                    path, "no end of central directory record (truncated, or not a zip)"
                )
            _, disk, _, _, count, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
            eocd = tail_start + at
            locator = eocd - _EOCD64_LOCATOR.size
            if locator >= 0 and (count == 0xFFFF or cd_offset == 0xFFFFFFFF):
                fh.seek(locator)
                sig, _, eocd64, _ = _EOCD64_LOCATOR.unpack(
                    fh.read(_EOCD64_LOCATOR.size)
                )
                if sig != b"PK\x06\x07":
                    raise _bad(path, "zip64 end of central directory locator missing")
                fh.seek(eocd64)
                record = fh.read(_EOCD64.size)
                if len(record) < _EOCD64.size or record[:4] != b"PK\x06\x06":
                    raise _bad(path, "zip64 end of central directory record damaged")
                _, _, _, _, disk, _, _, count, cd_size, cd_offset = _EOCD64.unpack(
                    record
                )
                eocd = eocd64
            if disk:
                raise _bad(path, "a multi-part (split) archive is not supported")
            # bytes before the archive proper (a self-extractor's stub)
            shift = eocd - cd_size - cd_offset
            if shift < 0:
                raise _bad(path, "the central directory lies outside the file")
            fh.seek(cd_offset + shift)
            directory = fh.read(cd_size)
    except InputError:
        raise
    except OSError as e:
        raise InputError(f"input_dir {path!r} cannot be read: {e.strerror}") from None
    if len(directory) < cd_size:
        raise _bad(path, "the central directory is truncated")
    try:
        return _parse(path, directory, count, shift)
    except struct.error:  # a field that runs past the end of its entry
        raise _bad(path, "the central directory is damaged") from None


def _parse(path: str, directory: bytes, count: int, shift: int) -> Index:
    names: list[str] = []
    flags, methods, kinds = array("H"), array("H"), array("L")
    crcs, compressed, sizes, offsets = array("L"), array("q"), array("q"), array("q")
    at, end = 0, len(directory)
    unpack = _CENTRAL.unpack_from
    head = _CENTRAL.size
    # bound methods: a million members make every lookup count
    add_name, add_flag, add_method = names.append, flags.append, methods.append
    add_crc, add_csize, add_size = crcs.append, compressed.append, sizes.append
    add_offset, add_kind = offsets.append, kinds.append
    for _ in range(count):
        if at + head > end:
            raise _bad(path, f"the central directory ends after {len(names)} members")
        (sig, _, system, _, _, flag, method, _, _, crc, csize, usize, nlen, xlen,
         clen, _, _, attr, offset) = unpack(directory, at)  # fmt: skip
        if sig != b"PK\x01\x02":
            raise _bad(path, f"the central directory is damaged at entry {len(names)}")
        raw = directory[at + head : at + head + nlen]
        extra = directory[at + head + nlen : at + head + nlen + xlen]
        at += head + nlen + xlen + clen
        if 0xFFFFFFFF in (csize, usize, offset):
            usize, csize, offset = _zip64_sizes(path, extra, usize, csize, offset)
        add_name(raw.decode("utf-8" if flag & _FLAG_UTF8 else "cp437", "replace"))
        add_flag(flag)
        add_method(method)
        add_crc(crc)
        add_csize(csize)
        add_size(usize)
        add_offset(offset + shift)
        add_kind((attr >> 16) & _S_IFMT if system == 3 else 0)
    if at > end:
        raise _bad(path, "the central directory is truncated")
    return Index(path, names, flags, methods, crcs, compressed, sizes, offsets, kinds)


def _zip64_sizes(path: str, extra: bytes, usize: int, csize: int, offset: int):
    """The 64-bit values of the zip64 extra field, in its order: each only
    when its 32-bit field is 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, at)
        if tag == 1:
            values = iter(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            try:
                if usize == 0xFFFFFFFF:
                    usize = next(values)
                if csize == 0xFFFFFFFF:
                    csize = next(values)
                if offset == 0xFFFFFFFF:
                    offset = next(values)
            except StopIteration:
                break
            return usize, csize, offset
        at += 4 + length
    raise _bad(path, "a zip64 member lacks its zip64 sizes")


class Reader:
    """Reads members of one archive; one open file per process. Reading uses
    ``pread``: the processes a block job forks share the file, not its
    position."""

    def __init__(self, path: str, prefix: str = ""):
        self.path = path
        self.prefix = prefix
        self.index = read_index(path)
        self._fd: int | None = None

    def find(self, relpath: str) -> int | None:
        return self.index.position.get(self.prefix + relpath)

    def token(self, relpath: str) -> str | None:
        """What tells that the member changed: its size and CRC-32."""
        i = self.find(relpath)
        if i is None:
            return None
        return f"{self.index.sizes[i]}:crc{self.index.crcs[i]:08x}"

    def read(self, relpath: str, max_pixels: int) -> tuple[bytes, str]:
        """The member's bytes and token, or ``Rejected`` with the reason."""
        reason = unsafe_name(relpath)
        if reason:
            raise Rejected(reason)
        i = self.find(relpath)
        if i is None:
            raise Rejected("no such member in the archive")
        ix = self.index
        if ix.flags[i] & _FLAG_ENCRYPTED:
            raise Rejected("encrypted member (password-protected): cannot be read")
        method = ix.methods[i]
        if method not in (STORED, DEFLATED):
            name = METHODS.get(method, "unknown")
            raise Rejected(
                f"compression method {method} ({name}) is not supported;"
                " stored and deflate are"
            )
        size, limit = ix.sizes[i], member_limit(max_pixels)
        if size > limit or ix.compressed[i] > limit:
            raise Rejected(
                f"member declares {max(size, ix.compressed[i])} bytes, more than"
                f" {limit} ({BYTES_PER_PIXEL} bytes per pixel of max_pixels):"
                " a possible decompression bomb"
            )
        data = self._member_data(i)
        if method == STORED:
            if len(data) != size:
                raise Rejected(
                    f"damaged member: {len(data)} bytes stored, {size} declared"
                )
        else:
            data = _inflate(data, size)
        if _zlib.crc32(data) != ix.crcs[i]:
            raise Rejected("CRC-32 mismatch: the member is damaged")
        return data, f"{size}:crc{ix.crcs[i]:08x}"

    def _member_data(self, i: int) -> bytes:
        ix = self.index
        offset, csize = ix.offsets[i], ix.compressed[i]
        name_len = len(ix.names[i].encode("utf-8"))
        want = _LOCAL.size + name_len + 64 + csize  # room for a small extra field
        head = os.pread(self._file(), want, offset)
        if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise Rejected("damaged member: its local header is missing")
        nlen, xlen = _LOCAL.unpack_from(head)[-2:]
        start = _LOCAL.size + nlen + xlen
        if start + csize <= len(head):
            data = head[start : start + csize]
        else:
            data = os.pread(self._file(), csize, offset + start)
        if len(data) < csize:
            raise Rejected("damaged member: the archive ends inside it (truncated)")
        return data

    def _file(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except OSError as e:
                raise InputError(
                    f"input_dir {self.path!r} cannot be read: {e.strerror}"
                ) from None
        return self._fd


def _inflate(data: bytes, size: int) -> bytes:
    """Inflate a member, never to more than one byte past its declared size."""
    inflater = _zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, size + 1)
    except _zlib.error as e:
        raise Rejected(f"damaged member: cannot be inflated ({e})") from None
    if len(out) > size:
        raise Rejected(
            f"member inflates to more than its declared {size} bytes:"
            " a decompression bomb, or a damaged archive"
        )
    if len(out) < size or not inflater.eof:
        raise Rejected(f"damaged member: inflates to {len(out)} bytes, {size} declared")
    return out


def reader(path: str, prefix: str) -> Reader:
    """A reader of ``path``, made again when the file is replaced."""
    return _reader(path, prefix, _identity(path))


@lru_cache(maxsize=64)
def _reader(path: str, prefix: str, identity) -> Reader:
    return Reader(path, prefix)


def scan(path: str, prefix: str, wanted: tuple[str, ...], *, with_stat: bool = True):
    """The images below ``prefix`` in the archive, in path order, as
    (paths, sizes, CRC-32s, skipped (path, reason) pairs), by the rules of a
    folder: hidden names (a part starting with a dot) and other extensions
    are skipped, a hidden folder once; so are links and a name that appears
    twice (the last one is the member). Folder entries are no files."""
    ix = read_index(path)
    cut = len(prefix)
    chosen: dict[str, int] = {}
    skipped: set[tuple[str, str]] = set()
    kinds = ix.kinds
    for i, name in enumerate(ix.names):
        if not name.startswith(prefix) or name[-1:] == "/":
            continue
        rel = name[cut:]
        if (  # the usual name, neither hidden nor unsafe: straight to the image
            rel[:1] not in "./"
            and "/." not in rel
            and "//" not in rel
            and "\\" not in rel
            and rel[1:2] != ":"
            and rel.lower().endswith(wanted)
            and kinds[i] in (0, _S_IFREG)
            and rel not in chosen
        ):
            chosen[rel] = i
            continue
        if unsafe_name(rel) is None:
            parts = rel.split("/")
            hidden = next((k for k, part in enumerate(parts) if part[:1] == "."), -1)
            if hidden != -1:
                skipped.add(("/".join(parts[: hidden + 1]), "hidden"))
                continue
        if not rel.lower().endswith(wanted):
            skipped.add((rel, "not an image file extension"))
        elif not ix.is_regular(i):
            what = "link (not followed)" if ix.is_link(i) else "not a regular file"
            skipped.add((rel, what))
        else:
            if rel in chosen:
                skipped.add(
                    (rel, "a second member of the same name (the last is used)")
                )
            chosen[rel] = i
    paths = sorted(chosen)
    sizes, crcs = array("q"), array("q")
    if with_stat:
        sizes.extend(ix.sizes[chosen[p]] for p in paths)
        crcs.extend(ix.crcs[chosen[p]] for p in paths)
    return paths, sizes, crcs, sorted(skipped)


def folder_hint(input_dir: str, paths: list[str]) -> str | None:
    """When every image of an archive sits below one folder (as in archives
    made from a folder), they all have that folder as their class: a hint
    to name the folder in input_dir. ``paths`` in path order: the first and
    the last share a top folder only when all do."""
    if not split(input_dir) or not paths:
        return None
    top, sep, _ = paths[0].partition("/")
    if not sep or not paths[-1].startswith(top + "/"):
        return None
    inside = f"{input_dir.rstrip('/')}/{top}"
    return (
        f"every image in {input_dir} is below {top}/, so they all have the"
        f" class {top!r}; input_dir: {inside} makes the folders below it the"
        " classes"
    )


def stat_members(path: str, prefix: str, paths: list[str]):
    """(sizes, CRC-32s) of ``paths``, -1 for a member that is not there."""
    ix = read_index(path)
    sizes, crcs = array("q"), array("q")
    for relpath in paths:
        i = ix.position.get(prefix + relpath)
        sizes.append(-1 if i is None else ix.sizes[i])
        crcs.append(-1 if i is None else ix.crcs[i])
    return sizes, crcs
