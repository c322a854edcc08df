"""Authenticated encryption (AES-256-GCM) for the user's words and tracker event data.

Each token is bound to a context string (the session id) as associated data, so a
ciphertext copied into another session's row does not decrypt.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.storage.errors import DecryptionError

PREFIX = "g1:"  # format version: AES-GCM, 12-byte nonce, urlsafe base64
_NONCE_BYTES = 12


class Cipher:
    """Encrypts and decrypts text with one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
            raise ValueError("the key must be 32 bytes")
        self._aead = AESGCM(bytes(key))
        self._mac_key = hmac.new(bytes(key), b"rehearse|fingerprint-key", hashlib.sha256).digest()

    def encrypt(self, plaintext: str, context: str) -> str:
        if not isinstance(plaintext, str):
            raise ValueError("only text can be encrypted")
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, context: str) -> str:
        if not isinstance(token, str) or not token.startswith(PREFIX):
            raise DecryptionError("stored data is not in the encrypted format")
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX):].encode("ascii"))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, _aad(context)).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError, UnicodeError):
            raise DecryptionError(
                "Stored data cannot be decrypted: REHEARSE_KEY (or the key file) is not the "
                "key it was written with, or the data was altered."
            ) from None


    def fingerprint(self, text: str) -> str:
        """A keyed, one-way hash of ``text`` (64 hex chars): equal inputs match, nothing
        about the input can be read back without the key."""
        return hmac.new(self._mac_key, str(text).encode("utf-8"), hashlib.sha256).hexdigest()


def is_ciphertext(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def _aad(context: str) -> bytes:
    return ("rehearse|" + str(context)).encode("utf-8")
