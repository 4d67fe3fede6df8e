"""Secret tokens the product hands out (survey links, webhook tokens, recovery codes,
form tokens): random, and where a token is a credential only its hash is stored, so a
leaked database holds nothing that works."""

import hashlib
import secrets


def new_token() -> str:
    """A random URL-safe token of 32 bytes (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 of ``token`` as 64 hex digits: what is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()
