from __future__ import annotations

import hashlib
import hmac

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from common.crypto import keyed_hash


@given(key=st.text(min_size=1, max_size=100), text=st.text(max_size=40))
def test_the_keyed_hash_is_hmac_sha256_under_the_key(key, text):
    """keyed_hash prepares HMAC's padded states itself; every stored id_hash depends on it
    giving exactly HMAC-SHA256, short keys and keys longer than the block alike."""
    with override_settings(ID_HASH_KEY=key):
        expected = hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()
        assert keyed_hash(text) == expected
