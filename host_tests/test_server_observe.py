"""Server-side Observe on the sans-I/O engine in virtual time (cases/case_server_observe.py,
see dual.py)."""

from dual import collect

globals().update(collect("case_server_observe"))
