"""Files the user names: how a path is shown, opening one for reading with worded errors,
checking one can be written, and writing it safely.

Writes are atomic for a regular file (or a name that does not exist yet): the bytes go to a
temporary `.NAME.PID.XXXX.tmp` in the same directory, are synced to disk, renamed over the
target, and the directory is synced too, so a reader sees the old file or the new one, never
half, even if the writer is killed or the machine loses power. A temporary file left by a
killed writer is never read (only the target's exact path is); the next write removes it.
A path that is something else (/dev/stdout, a pipe, a terminal) is written directly: it is
never replaced by a file.
"""

import errno
import io
import os
import shlex
import stat
import tempfile
from contextlib import contextmanager

from .errors import UserInputError, shorten
from .limits import format_bytes, read_limit


def display_path(path):
    """A path as a user would type it: relative to the working directory when inside it.
    One that could not be typed (a NUL or newline in it) or is very long is shown as a
    shortened repr, so a message stays on one line."""
    path = str(path)
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return shorten(path) if len(path) > 300 else shown_path(path)


def shown_path(path):
    """A path as the user gave it, unless it holds a character that is not printable (an
    escape sequence that would retitle or clear the terminal, a newline, a bidi control):
    then its shortened repr, as display_path shows one (names from data: data/names.py)."""
    path = str(path)
    return path if path.isprintable() else shorten(path)


def typed_path(path):
    """A path inside a command that mgrad suggests (`mgrad compare PATH`): shown as
    display_path shows it, and quoted for the shell where it needs quoting (a space, [,
    $, a quote), so the command can be pasted as it is."""
    shown = display_path(path)
    if not str(path).isprintable():
        return shown  # its repr, as display_path shows it: not a name a shell could take
    return shlex.quote(shown)


@contextmanager
def open_user_file(path, error, kind, **open_args):
    """open(path) for reading a file the user named, turning what can go wrong with the
    file itself into `error` ("PATH: no such file", "PATH: is a directory, not a KIND",
    ...). A UnicodeDecodeError or OSError raised while reading inside the with-block
    becomes `error` too ("PATH: not a text file (REASON)", "PATH: REASON"): reading a
    binary CSV relies on that. Other errors from the reading pass through unchanged.
    Read with read_bounded or bounded_lines: the path may be /dev/zero."""
    shown = display_path(path)
    check_path(path, error)
    try:
        with open(path, **open_args) as f:
            yield f
    except FileNotFoundError:
        raise error(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise error(f"{shown}: is a directory, not a {kind}") from None
    except UnicodeDecodeError as e:
        raise error(f"{shown}: not a text file ({e.reason})") from None
    except OSError as e:
        raise error(f"{shown}: {e.strerror}") from None


def read_bounded(f, path, error, kind):
    """All of an open file, refused with `error` past limits.read_limit(kind)."""
    limit, why = read_limit(kind)
    data = f.read(limit + 1)
    if len(data) > limit:
        raise error(f"{display_path(path)}: larger than {_size(limit)}, {why}")
    return data


def bounded_lines(f, path, error, kind):
    """The lines of an open text file, refused with `error` once past limits.read_limit(kind).
    A regular file is refused by its size and then read as it is (at C speed); anything
    else (a pipe, /dev/zero) a line at a time, in pieces no longer than what is left."""
    limit, why = read_limit(kind)
    try:
        st = os.fstat(f.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        if st.st_size > limit:
            raise error(f"{display_path(path)}: larger than {_size(limit)}, {why}")
        return f
    return _lines_within(f, limit, lambda: error(f"{display_path(path)}: larger than {_size(limit)}, {why}"))


def line_stream(f, path, error, kind, block=1 << 20):
    """The lines of an open text file (opened with newline=""), read a block at a time and
    split at C speed, for a reader that keeps only some of them at once (predict streams a
    CSV of any size): no limit on the file, but a line longer than limits.read_limit(kind)
    is refused with `error`, so /dev/zero or a file without line ends cannot fill memory."""
    limit, why = read_limit(kind)
    pending, held = [], 0  # the pieces of a line not ended yet
    while True:
        data = f.read(block)
        if not data:
            if held:
                yield "".join(pending)
            return
        if held and pending[-1].endswith("\r") and not data.startswith("\n"):
            yield "".join(pending)  # a line that ended with the last block's \r
            pending, held = [], 0
        cut = len(data) - 1 if data.endswith("\r") else len(data)  # a last \r may be half of \r\n
        end = max(data.rfind("\n", 0, cut), data.rfind("\r", 0, cut))  # where the last whole line ends
        if end < 0:
            pending.append(data)
            held += len(data)
            if held > limit:
                raise error(f"{display_path(path)}: a line larger than {_size(limit)}, {why}")
            continue
        lines = io.StringIO("".join(pending) + data[:end + 1], newline="").readlines()
        if held + end + 1 > limit and max(map(len, lines)) > limit:
            raise error(f"{display_path(path)}: a line larger than {_size(limit)}, {why}")
        yield from lines
        pending, held = [data[end + 1:]], len(data) - end - 1


def _lines_within(f, limit, too_large):
    left = limit
    while True:
        line = f.readline(left + 1)
        if not line:
            return
        left -= len(line)
        if left < 0:
            raise too_large()
        yield line


def _size(n):
    return f"{n // 1024} KB" if n % 1024 == 0 and n < 2 ** 20 else format_bytes(n)


def check_path(path, error=UserInputError):
    """Refuse a path the system cannot take (a NUL character) with `error`."""
    if "\0" in str(path):
        raise error(f"{display_path(path)}: a path cannot contain a NUL character")


def check_output(path, error=UserInputError):
    """Refuse, with `error`, a path no file can be written to: one with a NUL, or one ending
    in "/" or whose last part is "." or "..", which names a directory whether or not it
    exists (Python's pathlib and the system would otherwise drop the slash, or the ".",
    and write a file of that name). Every output path goes through here: check_writable,
    write_atomic, open_output."""
    check_path(path, error)
    text = str(path)
    last = text.replace(os.sep, "/").rpartition("/")[2]
    if text.endswith(("/", os.sep)) or last in (".", ".."):
        shown = display_path(text)
        if last not in (".", "..") and not shown.endswith(("/", os.sep)):
            shown += "/"
        raise error(f"{shown}: names a directory; give a file name")


def open_output(path):
    """open(path, "w") for a text file written as it goes (a log), after check_output; a
    failure is cannot_write(...)."""
    check_output(path)
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as e:
        raise cannot_write(path, e) from None


def cannot_write(path, e):
    """The error for a failed write: UserInputError('cannot write PATH: REASON')."""
    return UserInputError(f"cannot write {display_path(path)}: {e.strerror or e}")


def check_writable(path):
    """Raise cannot_write(...) unless `path` can be written: for a regular file, a temporary
    file is made next to it and removed at once (what write_atomic needs); anything else
    must exist and allow writing. Used to fail before a long run rather than after it."""
    check_output(path)
    try:
        target = _replaceable(path)
        if target is None:
            if stat.S_ISDIR(os.stat(path).st_mode):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if not os.access(path, os.W_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            return
        fd, tmp = _temp_file(target)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise cannot_write(path, e) from None


def write_atomic(path, data):
    """Write `data` (str as UTF-8, or bytes) to `path`: atomically when it is a regular file
    or a new name, directly when it is a device or pipe. Raises cannot_write(...), or
    check_output's error."""
    check_output(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        target = _replaceable(path)
        if target is None:
            with open(path, "wb") as f:
                f.write(data)
            return
        remove_stale_temp_files(target)
        _replace(target, data)
    except OSError as e:
        raise cannot_write(path, e) from None


def _replace(target, data):
    """Temp file, fsync, rename over `target`, fsync the directory."""
    fd, tmp = _temp_file(target)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; the result is an ordinary file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_directory(os.path.dirname(target))


def _sync_directory(directory):
    """fsync a directory so a rename in it survives a power loss (where the system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # a system that cannot open directories (Windows): the rename is all it offers
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _replaceable(path):
    """The regular file (or free name) a write to `path` replaces, following symbolic links,
    or None when `path` is something else (a device, a pipe, a descriptor's link such as
    /dev/stdout, which points into /proc): those are written directly."""
    path = os.path.abspath(path)
    for _ in range(40):  # as many links as Linux follows
        directory = os.path.realpath(os.path.dirname(path))
        if directory == "/proc" or directory.startswith("/proc/"):
            return None  # /proc/self/fd/N links to an open descriptor, not to a file to replace
        path = os.path.join(directory, os.path.basename(path))
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return path  # a new name (or a directory that is missing: the write says so)
        if stat.S_ISREG(mode):
            return path
        if not stat.S_ISLNK(mode):
            return None
        path = os.path.join(directory, os.readlink(path))
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))


def _temp_file(path):
    directory = os.path.dirname(os.path.abspath(path))
    return tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{os.getpid()}.", suffix=".tmp", dir=directory)


def remove_stale_temp_files(path):
    """Delete the temporary files of writes to `path` whose writing process no longer exists
    (it was killed between creating the file and renaming it). Returns the paths removed."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(path)}."
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(os.path.join(directory, name))
        except OSError:
            pass
    return removed


class OutputLock:
    """This process's claim on an output file for as long as it runs (a checkpoint that a run
    saves to): an exclusive flock on `.NAME.lock` beside it, holding the owner's PID. A second
    run that asks for it is refused at once (UserInputError naming the owner) instead of the
    last writer winning unannounced. The system drops the lock when its process ends, killed
    or not, so a lock file left by a killed run blocks nothing: the next run takes it over.
    release() removes the file. Where there is no flock (Windows), or the path is not a
    regular file (a pipe), nothing is locked."""

    def __init__(self, path):
        self.path, self.fd, self.lock_path = path, None, None
        try:
            import fcntl
        except ImportError:
            return
        try:
            target = _replaceable(path)
            if target is not None:
                self.lock_path = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.lock")
                self._lock(fcntl)
        except OSError as e:
            raise cannot_write(path, e) from None

    def _lock(self, fcntl):
        while self.fd is None:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                who = f"another run (process {owner})" if owner.isdigit() else "another run"
                raise UserInputError(f"{display_path(self.path)}: {who} is saving to it; let it finish, or "
                                     f"save to another file") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # its owner released and removed it meanwhile: lock the new one
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            self.fd = fd

    def release(self):
        """Remove the lock file and drop the lock (a second call does nothing)."""
        if self.fd is None:
            return
        try:
            os.unlink(self.lock_path)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: leave its file
    return True
