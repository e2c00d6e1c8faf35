"""Writing generated files so that a reader never sees half of one.

Several processes may render the same files at once (parallel test workers, a `nox -s
docs` rebuild): each file is written beside its target and renamed over it, an atomic
step, and only when its content changed, so an unchanged file keeps its timestamp.
"""

import os
import tempfile
from pathlib import Path


def replace_if_changed(path: Path, content: bytes) -> bool:
    """Make `path` hold `content`; return whether it had to be written."""
    if path.is_file() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
