"""The client's timers across the 2**30 ms ticks wrap of the 32-bit (i386) port
(cases/case_client_wrap.py, see dual.py)."""

from dual import collect

globals().update(collect("case_client_wrap"))
