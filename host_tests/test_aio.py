"""The asyncio client (cases/case_aio.py, see dual.py)."""

from dual import collect

globals().update(collect("case_aio"))
