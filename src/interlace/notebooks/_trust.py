"""Trusted notebooks: those whose HTML and scripts the page may run unsanitized.

Trust is Jupyter's (nbformat's ``NotebookNotary``): a notebook is trusted when
the signature of its content, an HMAC-SHA256 under a secret of the user's, is
one the user made. The secret and the signatures live in the user's data
directory, never under a root the server serves, so no directory can bring
its own trust; and a signature covers content, not a path, so a notebook that
anything but this server changed is no longer trusted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interlace.notebooks._files import NotebookFile
    from interlace.protocol import JSON, JSONDict

__all__ = ["Notary", "NotebookTrust", "data_dir", "signed_content"]

log = logging.getLogger("interlace.notebooks")

SECRET_FILE = "notebook_secret"
SIGNATURES_FILE = "trust.sqlite"
SECRET_BYTES = 32
MAX_SIGNATURES = 65535
"""Past this many signatures the least recently seen quarter is forgotten, as in nbformat."""


def data_dir() -> Path:
    """The user's interlace data directory: $INTERLACE_DATA_DIR, else the XDG data home's."""
    if os.environ.get("INTERLACE_DATA_DIR"):
        return Path(os.environ["INTERLACE_DATA_DIR"])
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path("~").expanduser() / ".local" / "share")
    return Path(xdg) / "interlace"


def _canonical(value: JSON) -> JSON:
    """``value`` with integral floats as ints: the document may hold either for one number."""
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _without(mapping: JSON, key: str) -> JSON:
    if not isinstance(mapping, dict):
        return mapping
    return {k: v for k, v in mapping.items() if k != key}


def signed_content(notebook: JSONDict) -> bytes:
    """What a notebook's signature covers: its nbformat JSON, keys sorted, without the
    ``metadata.signature`` older tools wrote and without the cells' run records
    (``metadata.interlace``: who ran a cell and when, shown as text and rewritten as
    cells run)."""
    cells = notebook.get("cells")
    content = {
        **notebook,
        "metadata": _without(notebook.get("metadata"), "signature"),
        "cells": [
            {**cell, "metadata": _without(cell.get("metadata"), "interlace")}
            if isinstance(cell, dict)
            else cell
            for cell in (cells if isinstance(cells, list) else [])
        ],
    }
    return json.dumps(_canonical(content), sort_keys=True, separators=(",", ":")).encode()


class Notary:
    """Signs notebooks with the user's secret and remembers the signatures, in ``folder``.

    If ``folder`` cannot hold them, trust is kept in memory until the server stops.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._secret = _load_secret(folder / SECRET_FILE)
            self._db = _connect(str(folder / SIGNATURES_FILE))
        except (OSError, sqlite3.Error) as exc:
            log.warning("cannot keep notebook trust in %s (%s); it lasts until exit", folder, exc)
            self._secret = secrets.token_hex(SECRET_BYTES).encode()
            self._db = _connect(":memory:")

    def signature(self, notebook: JSONDict) -> str:
        """``notebook``'s signature: an HMAC-SHA256 of ``signed_content`` under the secret."""
        digest = hmac.new(self._secret, signed_content(notebook), hashlib.sha256).hexdigest()
        return f"sha256:{digest}"

    def knows(self, signature: str) -> bool:
        """Whether the user trusts the content ``signature`` is of."""
        with self._db:
            seen = self._db.execute(
                "UPDATE signatures SET last_seen = ? WHERE signature = ?", (time.time(), signature)
            )
        return seen.rowcount > 0

    def add(self, signature: str) -> None:
        """Trust the content ``signature`` is of from now on."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO signatures (signature, last_seen) VALUES (?, ?)",
                (signature, time.time()),
            )
            (count,) = self._db.execute("SELECT count(*) FROM signatures").fetchone()
            if count > MAX_SIGNATURES:
                self._db.execute(
                    "DELETE FROM signatures WHERE signature NOT IN"
                    " (SELECT signature FROM signatures ORDER BY last_seen DESC LIMIT ?)",
                    (MAX_SIGNATURES * 3 // 4,),
                )

    def forget(self, signature: str) -> None:
        """Stop trusting the content ``signature`` is of."""
        with self._db:
            self._db.execute("DELETE FROM signatures WHERE signature = ?", (signature,))

    def close(self) -> None:
        self._db.close()


def _connect(database: str) -> sqlite3.Connection:
    db = sqlite3.connect(database, timeout=10)
    with db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS signatures"
            " (signature TEXT PRIMARY KEY, last_seen REAL NOT NULL)"
        )
    return db


def _load_secret(file: Path) -> bytes:
    """The secret in ``file``, made (readable by the user alone) if there is none."""
    try:
        secret = file.read_bytes().strip()
    except FileNotFoundError:
        return _write_secret(file, replace=False)
    if len(secret) < 2 * SECRET_BYTES:
        log.warning("%s holds no usable secret; it is replaced", file)
        return _write_secret(file, replace=True)
    if file.stat().st_mode & 0o077:
        log.warning("%s was readable by others; it is now the user's alone", file)
        file.chmod(0o600)
    return secret


def _write_secret(file: Path, replace: bool) -> bytes:
    """A new secret in ``file``, written whole with mode 600 before it gets its name.

    Unless ``replace``, a secret another server made first is kept, and used.
    """
    secret = secrets.token_hex(SECRET_BYTES).encode()
    temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(secret)
        out.flush()
        os.fsync(out.fileno())
    try:
        if replace:
            os.replace(temporary, file)
            return secret
        os.link(temporary, file)
    except FileExistsError:
        return _load_secret(file)
    finally:
        temporary.unlink(missing_ok=True)
    log.info("made the notebook-signing secret %s", file)
    return secret


class NotebookTrust:
    """Whether one open notebook is trusted, kept so as its content changes here.

    Its content as opened is trusted if the user signed it. What this server then
    saves of a trusted notebook (people's edits, cells' outputs) is signed as it is
    saved, as Jupyter signs on save; a saved version's signature is forgotten once
    the next one replaces it, so the store keeps what was trusted or opened and the
    last save, not every second of a session. A file another program wrote withdraws
    trust: what it wrote was never signed.
    """

    def __init__(self, notary: Notary, file: NotebookFile, notebook: JSONDict) -> None:
        self._notary = notary
        self._file = file
        self._looked_at = file.seen
        signature = notary.signature(notebook)
        self._trusted = notary.knows(signature)
        self._kept = signature if self._trusted else None
        """The signature of the content as trusted or opened: never forgotten here."""
        self._interim: str | None = None
        """The signature the last save added, forgotten when the next one replaces it."""

    @property
    def trusted(self) -> bool:
        if self._changed_elsewhere():
            self._trusted = False
        return self._trusted

    def set(self, notebook: JSONDict, trusted: bool) -> None:
        """Trust (sign) ``notebook``, the content shown, or stop trusting it."""
        self._changed_elsewhere()
        signature = self._notary.signature(notebook)
        if trusted:
            self._notary.add(signature)
        else:
            for stale in {signature, self._interim}:
                if stale is not None:
                    self._notary.forget(stale)
        self._trusted, self._interim = trusted, None
        self._kept = signature if trusted else None

    def withdraw(self) -> None:
        """Another program's content was loaded into the notebook: it is not trusted."""
        if self._interim is not None:
            self._notary.forget(self._interim)
        self._trusted, self._kept, self._interim = False, None, None

    def saved(self, notebook: JSONDict) -> None:
        """``notebook`` was just saved: sign it if the notebook is trusted."""
        if not self.trusted:
            return
        signature = self._notary.signature(notebook)
        self._notary.add(signature)
        if self._interim not in (None, signature):
            self._notary.forget(self._interim)
        self._interim = None if signature == self._kept else signature

    def _changed_elsewhere(self) -> bool:
        """Whether another program wrote the file since it was last read, written or
        looked at here (a file gone is not a change: the next save writes it anew)."""
        stamp = self._file._stamp()  # the stamp ``seen`` holds
        changed = stamp is not None and stamp not in (self._file.seen, self._looked_at)
        self._looked_at = stamp
        if changed:
            log.warning(
                "%s was changed by another program; it is no longer trusted", self._file.path
            )
        return changed
