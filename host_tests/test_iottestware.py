"""Conformance from a suite we did not write: the Eclipse IoT-Testware CoAP server suite
(TTCN-3, host_tests/titan/vendor/iottestware.coap) built with Debian's eclipse-titan, run
against `-m coap serve --plugtest` under CPython, the x64 port and the i386 port.

The suite's CoAP protocol module (Ericsson's CNL 113 829, negative_testing) is not
published; host_tests/titan/CoAP_Types.ttcn and CoAP_EncDec.cc are ours (RFC 7252), the
rest is the suite and the IPL4asp UDP test port unchanged (host_tests/titan/vendor/README.md).
The suite declares 26 test cases; 2 of them (GET_004, POST_004) are commented out in its
CoAP_Testcases.ttcn (their bodies are TODO), so 24 compile and run, each one test here
asserting TITAN's verdict. The PIXITs (the suite's module parameters) name our plugtest
resources; where a case's purpose needs another resource than the default, it runs with
its own PIXITs. Cases whose expectation is not what RFC 7252 asks of a server are xfail
(strict) with the section, and only a "fail" verdict whose last response from us shows
the deviation named (DEVIATION) counts as that expected failure: any other response, and
inconc, error or none, fail the test. test_codec runs CoAP_Codec_Test.ttcn: our codec
against aiocoap's bytes, and on malformed input."""

import hashlib
import os
import re
import shutil
import tempfile
import threading

import procs
import pytest
import targets
from test_plugtest import INTERPRETERS, start

HERE = os.path.dirname(os.path.abspath(__file__))
TITAN = os.path.join(HERE, "titan")
BUILD_SH = os.path.join(TITAN, "build.sh")
SUITE = os.path.join(HERE, "titan", "vendor", "iottestware.coap", "CoAP_Testcases.ttcn")

# The PIXITs: the suite's roles mapped onto coap/plugtest.py's resources
PIXITS = {
    "PX_SERVER_ID": '"remote"',
    "PX_SERVER_HOST": '"127.0.0.1"',
    "PX_DEFAULT_RESOURCE": '"test"',  # GET, POST, PUT, DELETE (TD_COAP_CORE_01..08)
    "PX_METHOD_NOT_ALLOWED_RESOURCE": '"location-query"',  # POST only: GET is 4.05
    "PX_NOT_FOUND_RESOURCE": '"any"',
    "PX_FIRST_LVL_RESOURCE": '"location1"',
    "PX_SECOND_LVL_RESOURCE": '"location2"',
    "PX_THIRD_LVL_RESOURCE": '"location3"',
    "PX_NEW_RESOURCE": '"new"',
    "PX_STORAGE_RESOURCE": '"test"',
    "PX_SEPARATE_RESOURCE": '"separate"',
}
# Cases whose purpose names another resource: GET_002 a two-segment path that exists,
# POST_005 a resource that does not allow POST, PUT_001 one that PUT creates
OWN_PIXITS = {
    "TC_COAP_SERVER_GET_002": {"PX_DEFAULT_RESOURCE": '"path"', "PX_NEW_RESOURCE": '"sub1"'},
    "TC_COAP_SERVER_POST_005": {"PX_DEFAULT_RESOURCE": '"query"'},
    "TC_COAP_SERVER_PUT_001": {"PX_DEFAULT_RESOURCE": '"create1"'},  # PUT creates it: 2.01
}

_MID = (
    "the suite's template wants the request's Message ID (12345) in a %s; RFC 7252 %s makes "
    "it a new message, whose Message ID the server generates (§4.4)"
)
_SEP = _MID % ("separate response", "§5.2.2")
_NON = _MID % ("NON response", "§5.2.3")
XFAIL = {
    "TC_COAP_SERVER_HEADER_003": (
        "a CON with TKL 9: the suite wants no answer; RFC 7252 §3 makes TKL 9-15 a message "
        "format error and §4.2 says a CON with one MUST be rejected (RST), as ours does"
    ),
    "TC_COAP_SERVER_POST_001": (
        "the suite wants 2.01 with Location-Path taken from the POST's payload (its own "
        "SUT's storage); RFC 7252 §5.8.2: the server chooses the new resource's URI "
        "(/test's is location1/location2/location3, TD_COAP_CORE_04)"
    ),
    "TC_COAP_SERVER_POST_002": (
        "the same POST as POST_001 wanting 2.04 Changed with Location-Path: RFC 7252 §5.10.7 "
        "puts Location-* in a 2.01 (Created) response; a 2.04 has none"
    ),
    "TC_COAP_SERVER_POST_003": (
        "POST to test/location2/location3 wanting 2.04 with Location-Path: the suite's "
        "SUT's storage tree; ours has no such resource (4.04), and RFC 7252 §5.10.7 puts "
        "Location-* in 2.01 only"
    ),
    "TC_COAP_SERVER_PUT_001": (
        "PUT creating /create1 gets the 2.01 the suite wants, but the suite wants the PUT's "
        "payload echoed in it: RFC 7252 §5.9.1.1 makes a 2.01's payload optional (ours has none)"
    ),
    "TC_COAP_SERVER_PUT_002": (
        "PUT wanting 2.04 that echoes the PUT's payload: RFC 7252 §5.9.1.4 makes the payload "
        "of a 2.04 optional (a representation of the action result, if any); ours has none"
    ),
    "TC_COAP_SEPERATE_RESPONSE_001": _SEP,
    "TC_COAP_SEPERATE_RESPONSE_002": _SEP,  # all four run f_TC_COAP_SEPARATE_RESPONSE_001
    "TC_COAP_SEPERATE_RESPONSE_003": _SEP,
    "TC_COAP_SEPERATE_RESPONSE_004": _SEP,
    "TC_COAP_SERVER_NON_001": _NON,
    "TC_COAP_SERVER_NON_002": _NON + "; and POST_001's Location-Path",
    "TC_COAP_SERVER_NON_003": _NON + "; and PUT_002's echoed payload",
    "TC_COAP_SERVER_NON_004": _NON,
}

# What the last datagram from our server was in each XFAIL case (hex, RFC 7252 §3): the
# deviation its reason names, checked, so that the case fails for that reason only.
# 3039: the suite's Message ID 12345; (?!3039): the server's own.
DEVIATION = {
    "TC_COAP_SERVER_HEADER_003": r"^70003039$",  # RST, MID of the CON (§4.2)
    "TC_COAP_SERVER_POST_001": r"^60413039.*6C6F636174696F6E31",  # ACK 2.01, location1
    "TC_COAP_SERVER_POST_002": r"^60413039.*6C6F636174696F6E31",  # ACK 2.01, not 2.04
    "TC_COAP_SERVER_POST_003": r"^60843039$",  # ACK 4.04
    "TC_COAP_SERVER_PUT_001": r"^60413039$",  # ACK 2.01, no payload
    "TC_COAP_SERVER_PUT_002": r"^60443039$",  # ACK 2.04, no payload
    "TC_COAP_SEPERATE_RESPONSE_001": r"^4045(?!3039)",  # CON 2.05, its own MID
    "TC_COAP_SEPERATE_RESPONSE_002": r"^4045(?!3039)",
    "TC_COAP_SEPERATE_RESPONSE_003": r"^4045(?!3039)",
    "TC_COAP_SEPERATE_RESPONSE_004": r"^4045(?!3039)",
    "TC_COAP_SERVER_NON_001": r"^5045(?!3039)",  # NON 2.05, its own MID
    "TC_COAP_SERVER_NON_002": r"^5041(?!3039)",  # NON 2.01
    "TC_COAP_SERVER_NON_003": r"^5044(?!3039)....$",  # NON 2.04, no payload
    "TC_COAP_SERVER_NON_004": r"^5042(?!3039)",  # NON 2.02
}


def _declared():
    """(every testcase the suite declares, the ones outside /* */ comments)."""
    with open(SUITE) as f:
        src = f.read()
    every = re.findall(r"^testcase (\w+)\(", src, re.M)
    live = re.findall(r"^testcase (\w+)\(", re.sub(r"/\*.*?\*/", "", src, flags=re.S), re.M)
    return every, live


EVERY, CASES = _declared()


def _inputs_hash():
    """What the build depends on: build.sh's inputs and the TITAN version."""
    h = hashlib.sha256(procs.run(["ttcn3_compiler", "-v"], timeout=30).stderr.encode())
    for d, _, files in sorted(os.walk(TITAN)):
        for f in sorted(files):
            with open(os.path.join(d, f), "rb") as fh:
                h.update(f.encode() + b"\0" + fh.read())
    return h.hexdigest()[:16]


@pytest.fixture(scope="module")
def suite():
    return build_suite()


def build_suite():
    """The built suite's executable, cached in build/iottestware/<hash of its inputs> (a
    build is ~10 s): built in a directory of its own, then renamed into place, so that two
    workers building at once both end with a whole one. `make test` builds it before the
    tests start (this file run as a script), so that no compiler competes with them."""
    if shutil.which("ttcn3_makefilegen") is None:
        targets.missing("eclipse-titan (ttcn3_makefilegen)", make="setup")
    cache = os.path.join(targets.ROOT, "build", "iottestware")
    done = os.path.join(cache, _inputs_hash())
    exe = os.path.join(done, "iottestware")
    if not os.access(exe, os.X_OK):
        os.makedirs(cache, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="tmp-", dir=cache)
        try:
            r = procs.run(["sh", BUILD_SH, tmp], timeout=600)
            assert r.returncode == 0, r.stderr[-3000:]
            try:
                os.rename(tmp, done)
            except OSError:  # the other worker's is there
                pass
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return exe


def _cfg(path, port, pixits, cases):
    lines = ["[LOGGING]", 'LogFile := "%e.%r.log"', "FileMask := LOG_ALL",
             "ConsoleMask := ERROR | WARNING | TESTCASE", "[MODULE_PARAMETERS]"]  # fmt: skip
    lines += ["%s := %s;" % kv for kv in sorted(pixits.items())]
    lines.append("PX_SERVER_PORT := %d;" % port)
    lines += ["[EXECUTE]"] + ["CoAP_Testcases." + c for c in cases]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _wire(log):
    """Per case, the datagrams sent and received, from the TITAN log (for the report)."""
    out, case = {}, None
    for line in log.splitlines():
        m = re.search(r"Test case (\w+) started", line)
        if m:
            case = m.group(1)
            out[case] = []
        elif case and ("ASP_Send :" in line or "ASP_RecvFrom :" in line):
            w = re.search(r"msg := '([0-9A-F]*)'O", line)
            if w:
                out[case].append(("sent " if "ASP_Send" in line else "received ") + w.group(1))
    return out


def _run(interp, suite, tmp):
    """{case: (verdict, console line, datagrams)} of every case against a --plugtest server
    under the interpreter: the default PIXITs in one run, each OWN_PIXITS case in its own."""
    p, port, _ = start(interp, "--plugtest", "--ack-timeout", "100", "--separate", "150",
                       "--leisure", "100")  # fmt: skip
    res = {}
    try:
        runs = [(PIXITS, [c for c in CASES if c not in OWN_PIXITS])]
        runs += [(dict(PIXITS, **OWN_PIXITS[c]), [c]) for c in CASES if c in OWN_PIXITS]
        for i, (px, cases) in enumerate(runs):
            d = tmp / ("run%d" % i)
            d.mkdir()
            _cfg(d / "run.cfg", port, px, cases)
            r = procs.run([suite, "run.cfg"], cwd=str(d), timeout=300)
            logs = "".join(x.read_text() for x in d.glob("*.log"))
            wire = _wire(logs)
            # TITAN's console (the TESTCASE events) is its stderr
            for m in re.finditer(r"Test case (\w+) finished\. Verdict: (\w+)(.*)", r.stderr):
                res[m.group(1)] = (m.group(2), m.group(0), wire.get(m.group(1), []))
    finally:
        procs.stop(p)
    return res


@pytest.fixture(scope="module")
def verdicts(suite, tmp_path_factory):
    """{interpreter: _run's result, or the exception (a skip, say) that stopped it}: the
    three at once, each against its own server (the suite's 2-s timers are most of a run)."""
    out = {}
    dirs = {i: tmp_path_factory.mktemp(i) for i in INTERPRETERS}  # mktemp: not thread-safe

    def one(interp):
        try:
            out[interp] = _run(interp, suite, dirs[interp])
        except BaseException as e:  # noqa: BLE001 -- re-raised in the interpreter's tests
            out[interp] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in INTERPRETERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _of(verdicts, interp):
    r = verdicts[interp]
    if isinstance(r, BaseException):
        raise r
    return r


class SuiteFail(AssertionError):
    """TITAN's verdict fail: the suite got a response, decoded it and judged it wrong."""


def test_suite_declares_26_cases_24_live():
    # the count; the two left out are commented out by the suite's authors
    assert len(EVERY) == 26
    assert sorted(set(EVERY) - set(CASES)) == ["TC_COAP_SERVER_GET_004", "TC_COAP_SERVER_POST_004"]


def test_executable_lists_the_live_cases(suite):
    r = procs.run([suite, "-l"], timeout=30)
    listed = [x.split(".", 1)[1] for x in r.stdout.split() if x.startswith("CoAP_Testcases.TC")]
    assert listed == CASES


def _params():
    for c in CASES:
        if c in XFAIL:
            yield pytest.param(c, marks=pytest.mark.xfail(strict=True, raises=SuiteFail,
                                                          reason=XFAIL[c]))  # fmt: skip
        else:
            yield c


@pytest.mark.parametrize("case", list(_params()))
@pytest.mark.parametrize("interp", INTERPRETERS)
def test_case(verdicts, interp, case):
    got = _of(verdicts, interp)
    assert case in got, "%s did not run: %s" % (case, sorted(got))
    verdict, line, wire = got[case]
    msg = "%s\n  %s" % (line, "\n  ".join(wire))
    if verdict == "fail" and case in DEVIATION:
        got = [w.split()[1] for w in wire if w.startswith("received ")]
        assert got and re.search(DEVIATION[case], got[-1]), msg
        raise SuiteFail(msg)
    assert verdict == "pass", msg


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_encoder_decoder_round_trip_on_the_wire(verdicts, interp):
    # our f_CoAP_enc sent what RFC 7252 §3 says for GET_001 (CON GET, MID 12345, no token,
    # Uri-Path "test"), and the pass verdict means f_CoAP_dec read the 2.05 back
    wire = _of(verdicts, interp)["TC_COAP_SERVER_GET_001"][2]
    assert wire[0] == "sent 40013039B474657374", wire
    assert wire[1].startswith("received 60453039"), wire


# -- our codec on its own: host_tests/titan/CoAP_Codec_Test.ttcn ----------------------------

# Malformed messages f_CoAP_dec must refuse (return 1, the bytes kept as raw_message)
BAD = {
    "40": "shorter than the 4-byte header (RFC 7252 §3)",
    "4900303901020304050607080900": "TKL 9, reserved (§3)",
    "42003039AA": "a 2-byte token, 1 byte there",
    "40013039FF": "a payload marker with no payload (§3)",
    "40013039F0": "Option Delta 15 outside the marker (§3.1)",
    "400130390F": "Option Length 15 (§3.1)",
    "40013039D1": "Option Delta 13 without its extended byte (§3.1)",
    "40013039B5616263": "Option Length 5, 3 bytes left",
}


def _aiocoap_wires():
    """aiocoap's encoding (a third-party codec) of CoAP_Codec_Test's f_req() and f_resp()."""
    from aiocoap.message import Message
    from aiocoap.numbers.codes import Code
    from aiocoap.numbers.types import Type
    from aiocoap.optiontypes import BlockOption

    q = Message(code=Code.POST, payload=b"hi")
    q.mtype, q.mid, q.token = Type.CON, 0x1234, b"\x01\x02"
    q.opt.uri_path = ("x",)
    q.opt.proxy_uri = "p" * 300
    q.opt.size1 = 200
    r = Message(code=Code.CONTENT)
    r.mtype, r.mid, r.token = Type.ACK, 0xBEEF, b""
    r.opt.etag = b"abcd"
    r.opt.content_format = 0
    r.opt.max_age = 60
    r.opt.block2 = BlockOption.BlockwiseTuple(5, True, 2)
    return q.encode().hex().upper(), r.encode().hex().upper()


CODEC_CASES = ["TC_enc_req", "TC_dec_req", "TC_enc_resp", "TC_dec_resp", "TC_enc_raw",
               "TC_dec_bad"]  # fmt: skip


@pytest.fixture(scope="module")
def codec(suite, tmp_path_factory):
    """{codec testcase: its console line}, CoAP_Codec_Test's control part run once."""
    req, resp = _aiocoap_wires()
    d = tmp_path_factory.mktemp("codec")
    bad = ", ".join("'%s'O" % b for b in BAD)
    with open(d / "codec.cfg", "w") as f:
        f.write("[LOGGING]\nConsoleMask := ERROR | WARNING | TESTCASE\n[MODULE_PARAMETERS]\n")
        f.write("PX_REQ_WIRE := '%s'O;\nPX_RESP_WIRE := '%s'O;\n" % (req, resp))
        f.write("PX_BAD := { %s };\n[EXECUTE]\nCoAP_Codec_Test.control\n" % bad)
    r = procs.run([suite, "codec.cfg"], cwd=str(d), timeout=60)
    return {m.group(1): m.group(0) for m in re.finditer(r"Test case (\w+) finished.*", r.stderr)}


@pytest.mark.parametrize("case", CODEC_CASES)
def test_codec(codec, case):
    assert case in codec, sorted(codec)
    assert codec[case].split("Verdict: ")[1].startswith("pass"), codec[case]


if __name__ == "__main__":
    print(build_suite())
