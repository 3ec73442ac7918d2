"""The sans-I/O engine in virtual time (cases/case_engine.py, see dual.py)."""

from dual import collect

globals().update(collect("case_engine"))
