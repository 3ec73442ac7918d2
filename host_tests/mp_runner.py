# Runs one dual-interpreter test case under the MicroPython unix port (host_tests/dual.py):
#
#   MICROPYPATH=lib:host_tests/cases:host_tests:.frozen \
#       micropython host_tests/mp_runner.py MODULE FUNCTION ['{"param": value}' | @kwargs.json]
#
# Imports MODULE, calls FUNCTION(**kwargs) and prints its JSON result on a last line that
# starts with MARK; on an exception prints the traceback to stderr and exits with status 1.
# Also runs under CPython, for comparison when a case misbehaves.
import json
import sys

MARK = "@@dual-result@@ "


def _kwargs(arg):
    if arg.startswith("@"):
        with open(arg[1:]) as f:
            return json.load(f)
    return json.loads(arg)


def main():
    module, name = sys.argv[1], sys.argv[2]
    kwargs = _kwargs(sys.argv[3]) if len(sys.argv) > 3 else {}
    fn = getattr(__import__(module), name)
    result = fn(**kwargs)
    sys.stdout.write("\n" + MARK + json.dumps(result) + "\n")


try:
    main()
except BaseException as e:  # noqa: B036 - report everything, KeyboardInterrupt included
    if hasattr(sys, "print_exception"):
        sys.print_exception(e, sys.stderr)
    else:
        import traceback

        traceback.print_exc()
    sys.exit(1)
