"""Fuzzing the codec under CPython and MicroPython (cases/case_fuzz.py, see dual.py).

COAP_FUZZ_SEED fixes the seed (else a random one, printed and shown on failure);
COAP_FUZZ_COUNT sets the number of decode inputs (default 100000).
"""

import os

import pytest
from dual import collect


@pytest.fixture(scope="module")
def fuzz_seed():
    seed = int(os.environ.get("COAP_FUZZ_SEED") or int.from_bytes(os.urandom(4), "big"))
    print("fuzz seed %d: reproduce with COAP_FUZZ_SEED=%d" % (seed, seed))
    return seed


@pytest.fixture
def fuzz_count():
    return int(os.environ.get("COAP_FUZZ_COUNT", "100000"))


globals().update(collect("case_fuzz"))
