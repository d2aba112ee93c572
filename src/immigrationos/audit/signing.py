"""Signed checkpoints: the head of the chain, signed with Ed25519, to hand to an outside party.

A checkpoint statement is canonical JSON naming the log, the ``seq`` and ``hash`` of the
head and when it was taken, and the key that signed it. Whoever keeps a signed
statement can later prove that the log still holds that event with that hash: a
rewritten chain cannot reproduce it, and a signature cannot be forged without the key.
The key file is created on first use, readable by its owner only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from immigrationos.audit.chain import as_utc

LOG_NAME = "immigrationos-audit-log"


class SigningError(ValueError):
    """A key or a signed checkpoint that cannot be used; the message says why."""


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """Return the signing key of ``path``, creating it (mode 0600) when absent."""
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except ValueError as exc:
            raise SigningError(f"{path}: not a PEM private key ({exc})") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError(f"{path}: the audit signing key must be Ed25519")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Return the PEM text of a key's public half."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Return the SHA-256 (hex) of a key's raw public bytes: the key's name."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def statement(seq: int, head_hash: str, at: datetime, signer: str) -> str:
    """Return the canonical statement of a checkpoint, the text that is signed."""
    body = {
        "log": LOG_NAME,
        "seq": seq,
        "hash": head_hash,
        "at": as_utc(at).isoformat(timespec="microseconds"),
        "key_id": signer,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def sign(key: Ed25519PrivateKey, text: str) -> str:
    """Return the base64 Ed25519 signature of ``text``."""
    return base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as handed to an outside party: statement, signature, public key."""

    statement: str
    signature: str
    public_key: str

    @property
    def seq(self) -> int:
        """Return the seq the statement names."""
        return int(self.fields()["seq"])

    @property
    def hash(self) -> str:
        """Return the head hash the statement names."""
        return str(self.fields()["hash"])

    def fields(self) -> dict[str, Any]:
        """Return the statement's fields."""
        parsed: dict[str, Any] = json.loads(self.statement)
        return parsed

    def to_json(self) -> str:
        """Return the checkpoint as a JSON document."""
        return json.dumps(
            {
                "statement": self.statement,
                "signature": self.signature,
                "public_key": self.public_key,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str = "checkpoint") -> SignedCheckpoint:
        """Read a checkpoint document; raise SigningError naming what is missing."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SigningError(f"{source}: not JSON ({exc})") from exc
        missing = [
            k
            for k in ("statement", "signature", "public_key")
            if not isinstance(data, dict) or not isinstance(data.get(k), str)
        ]
        if missing:
            raise SigningError(f"{source}: missing or not text: {', '.join(missing)}")
        return cls(data["statement"], data["signature"], data["public_key"])

    def verify_signature(self) -> None:
        """Raise SigningError unless the signature is the key's over the statement."""
        try:
            public = serialization.load_pem_public_key(self.public_key.encode("ascii"))
        except ValueError as exc:
            raise SigningError(f"the public key is not a PEM key ({exc})") from exc
        if not isinstance(public, Ed25519PublicKey):
            raise SigningError("the public key is not an Ed25519 key")
        fields = self.fields()
        if fields.get("log") != LOG_NAME or fields.get("key_id") != key_id(public):
            raise SigningError("the statement does not name this log and this key")
        try:
            public.verify(base64.b64decode(self.signature), self.statement.encode("utf-8"))
        except (InvalidSignature, ValueError) as exc:
            raise SigningError("the signature does not match the statement") from exc
