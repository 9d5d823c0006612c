"""HMAC signing of the four JSON frames, as the Jupyter wire format defines it."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, final

from interlace.errors import InvalidSignature, UnsupportedSignatureScheme

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_SIGNATURE_SCHEME", "Signer"]

DEFAULT_SIGNATURE_SCHEME = "hmac-sha256"


def _digest_name(scheme: str) -> str:
    kind, _, name = scheme.partition("-")
    if kind != "hmac" or not name:
        raise UnsupportedSignatureScheme(f"{scheme!r} is not of the form 'hmac-<digest>'")
    try:
        digest_size = hashlib.new(name).digest_size
    except (ValueError, TypeError) as exc:
        raise UnsupportedSignatureScheme(f"{scheme!r}: hashlib has no digest {name!r}") from exc
    if digest_size == 0:
        raise UnsupportedSignatureScheme(f"{scheme!r}: variable-length digests cannot sign")
    return name


@final
class Signer:
    """Signs and verifies messages with one session key.

    An empty key means the session is unsigned, as in Jupyter: nothing is signed
    and nothing is checked. Verification compares in constant time.
    """

    __slots__ = ("_digest", "key", "scheme")

    def __init__(self, key: bytes, scheme: str = DEFAULT_SIGNATURE_SCHEME) -> None:
        self.key = key
        self.scheme = scheme
        self._digest = _digest_name(scheme)

    def __repr__(self) -> str:
        return f"Signer(scheme={self.scheme!r}, signed={self.enabled})"

    @property
    def enabled(self) -> bool:
        return bool(self.key)

    def sign(self, parts: Sequence[bytes]) -> bytes:
        """The hex signature of header, parent_header, metadata and content frames."""
        if not self.key:
            return b""
        return hmac.digest(self.key, b"".join(parts), self._digest).hex().encode("ascii")

    def verify(self, signature: bytes, parts: Sequence[bytes]) -> None:
        """Raise InvalidSignature unless ``signature`` signs ``parts`` with our key."""
        if not self.key:
            return
        if not signature:
            raise InvalidSignature("unsigned message on a signed session")
        if not hmac.compare_digest(signature, self.sign(parts)):
            raise InvalidSignature("signature does not match the session key")
