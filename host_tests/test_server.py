"""The server role on the sans-I/O engine in virtual time (cases/case_server.py, see dual.py)."""

from dual import collect

globals().update(collect("case_server"))
