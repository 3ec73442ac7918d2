# The client against libcoap and aiocoap servers (cases: cases/case_client_interop.py; the
# fixtures libcoap, libcoap_non, libcoap_lossy, libcoap_loss30, aio are in conftest.py).
import dual

globals().update(dual.collect("case_client_interop"))
