"""Block-wise transfers at the server (cases/case_server_block.py, see dual.py)."""

from dual import collect

globals().update(collect("case_server_block"))
