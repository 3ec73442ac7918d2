"""Processes a test starts, and the proof that none outlives the run.

Every process starts in a session (process group) of its own, so that stopping it ends its
children too: `shell=True` plus terminate() would end only the shell and leave its command
(an npm `coap get -o`, say) running.

    p = procs.popen(["coap", "get", url, "-o"], stdout=subprocess.PIPE, text=True)
    procs.stop(p)                      # SIGTERM to the group, SIGKILL after `timeout`
    r = procs.run("coap get ...", shell=True, timeout=15)   # subprocess.run's result;
                                       # on a timeout the whole group is killed first

conftest.py marks the test run's environment (MARK) and, when the session ends, lists every
process still carrying the mark: each is a leak, killed and reported, and fails the run.
"""

import os
import signal
import subprocess

MARK = "COAP_TEST_RUN"


def popen(args, **kw):
    kw["start_new_session"] = True
    return subprocess.Popen(args, **kw)


def _signal(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc, timeout=5.0):
    """End the process and its group: SIGTERM, then SIGKILL after timeout s. Its status."""
    _signal(proc, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL)
        proc.wait(timeout)
    _signal(proc, signal.SIGKILL)  # children that ignored SIGTERM, the leader gone
    return proc.returncode


def run(args, timeout=None, input=None, **kw):
    """subprocess.run(args, capture_output=True, text=True, ...) in a session of its own."""
    kw.pop("capture_output", None)  # always
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    p = popen(args, stdin=subprocess.PIPE if input is not None else None, **kw)
    try:
        out, err = p.communicate(input, timeout)
    except subprocess.TimeoutExpired:
        stop(p, 1.0)
        p.communicate()
        raise
    finally:
        _signal(p, signal.SIGKILL)  # a daemonised grandchild of a finished command
    return subprocess.CompletedProcess(args, p.returncode, out, err)


def leftovers(mark_value):
    """[(pid, command line)] of the processes whose environment holds MARK=mark_value."""
    needle = ("%s=%s" % (MARK, mark_value)).encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        found.append((int(pid), cmd))
    return found
