"""The end of every ci/check_*.py: its failures, or its one ok line and the counts line ctest shows."""
import sys


def report(name, failures, ok_message):
    """Prints the failures and exits 1, or prints the ok line and "1 passed, 0 failed"."""
    if failures:
        print(f"{name}: FAIL:\n" + "\n".join(failures))
        sys.exit(1)
    print(f"{name}: ok: {ok_message}")
    print("1 passed, 0 failed")
