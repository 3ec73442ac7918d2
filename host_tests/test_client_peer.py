# The client on the wire against a scripted peer: RFC 7252 reliability, rejection, dedup,
# separate responses, RFC 7959 block-wise and RFC 7641 Observe corner cases.
from dual import collect

globals().update(collect("case_client_peer"))
