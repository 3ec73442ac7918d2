"""Multicast discovery (lib/coap/mcast.py) in virtual time (cases/case_mcast.py, see
dual.py); the real group on loopback is in test_plugtest.py."""

from dual import collect

globals().update(collect("case_mcast"))
