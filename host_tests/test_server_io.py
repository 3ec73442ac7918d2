"""The server's front ends on real sockets (cases/case_server_io.py, see dual.py)."""

from dual import collect

globals().update(collect("case_server_io"))
