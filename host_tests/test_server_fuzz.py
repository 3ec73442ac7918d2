"""Bad input at the server, fuzz and hostile requests, in virtual time
(cases/case_server_fuzz.py, see dual.py)."""

from dual import collect

globals().update(collect("case_server_fuzz"))
