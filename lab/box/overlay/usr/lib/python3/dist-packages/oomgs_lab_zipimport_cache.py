"""Lab box only: keep the bytecode of what zipimport compiles.

Ansible sends each module with its module_utils as a zip (AnsiballZ), and
Python compiles sources imported from a zip at every run without keeping
the result: under QEMU TCG that is about 0.8 s of a 2 s task. This keeps
each compiled source in ~/.cache/oomgs-zipimport of the user who runs it,
keyed by its path inside the zip and the hash of its text, and gives the
code the file name of the current import. A cache directory that is not the
user's own, private and real is not used.
"""

import marshal
import os
import pwd
import stat
import sys
import zipimport

_compile_source = zipimport._compile_source
_CODE = type(_compile_source.__code__)
_dirs = {}


def _cache_dir():
    uid = os.getuid()
    if uid not in _dirs:
        _dirs[uid] = None
        try:
            path = os.path.join(pwd.getpwuid(uid).pw_dir, '.cache', 'oomgs-zipimport')
            os.makedirs(path, mode=0o700, exist_ok=True)
            st = os.lstat(path)
        except (OSError, KeyError):
            return None
        if stat.S_ISDIR(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o077:
            _dirs[uid] = path
    return _dirs[uid]


def _renamed(code, filename):
    consts = tuple(_renamed(c, filename) if isinstance(c, _CODE) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _cached_compile_source(pathname, source):
    import hashlib

    cache = _cache_dir()
    if cache is None:
        return _compile_source(pathname, source)
    inner = pathname.rpartition('.zip' + os.sep)[2]
    key = hashlib.sha256(b'\0'.join([sys.version.encode(), inner.encode(), source])).hexdigest()
    path = os.path.join(cache, key)
    try:
        with open(path, 'rb') as cached:
            code = marshal.load(cached)
        if isinstance(code, _CODE):
            return _renamed(code, pathname)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = _compile_source(pathname, source)
    tmp = '%s.%d' % (path, os.getpid())
    try:
        with open(tmp, 'wb') as out:
            marshal.dump(code, out)
        os.replace(tmp, path)
    except OSError:
        pass
    return code


zipimport._compile_source = _cached_compile_source
