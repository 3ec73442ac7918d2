# The unix port with the firmware frozen in, as a board image holds it (`make unix-frozen`):
# the heap then carries the firmware's data only, which is what the 64 KB heap test measures.
include("$(MPY_DIR)/extmod/asyncio")
include("../manifest.py", board=False)
