import hashlib
import hmac

import pytest

from interlace.errors import InvalidSignature, UnsupportedSignatureScheme
from interlace.protocol import Signer

PARTS = [b'{"msg_id":"1"}', b"{}", b"{}", b'{"code":"1+1"}']
SCHEMES = sorted(
    f"hmac-{name}" for name in hashlib.algorithms_guaranteed if not name.startswith("shake")
)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_signature_is_hex_hmac_of_the_four_frames(scheme: str) -> None:
    digest = scheme.removeprefix("hmac-")
    expected = hmac.new(b"key", b"".join(PARTS), digest).hexdigest().encode()
    signer = Signer(b"key", scheme)
    assert signer.sign(PARTS) == expected
    signer.verify(expected, PARTS)


def test_wrong_key_tampered_frame_and_missing_signature_are_refused() -> None:
    signer = Signer(b"key")
    signature = signer.sign(PARTS)
    with pytest.raises(InvalidSignature):
        Signer(b"other").verify(signature, PARTS)
    with pytest.raises(InvalidSignature):
        signer.verify(signature, [*PARTS[:3], b'{"code":"rm -rf"}'])
    with pytest.raises(InvalidSignature, match="unsigned"):
        signer.verify(b"", PARTS)
    with pytest.raises(InvalidSignature):
        signer.verify(signature.upper(), PARTS)


def test_empty_key_signs_nothing_and_checks_nothing() -> None:
    signer = Signer(b"")
    assert not signer.enabled
    assert signer.sign(PARTS) == b""
    signer.verify(b"anything", PARTS)


@pytest.mark.parametrize(
    "scheme", ["sha256", "hmac-", "hmac-nosuch", "rsa-sha256", "hmac-shake_128"]
)
def test_unknown_schemes_are_refused(scheme: str) -> None:
    with pytest.raises(UnsupportedSignatureScheme):
        Signer(b"key", scheme)


def test_repr_does_not_leak_the_key() -> None:
    assert "secret" not in repr(Signer(b"secret"))
