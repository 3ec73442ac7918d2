"""The blocking client's fixes on the wire (cases/case_client_fixes.py, see dual.py)."""

from dual import collect

globals().update(collect("case_client_fixes"))
