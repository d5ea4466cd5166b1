"""The pass/fail counter the e2e check scripts share: check(cond, what) counts and prints a
failure; finish() prints the counts and exits 1 if anything failed."""
import sys

_counts = {"passed": 0, "failed": 0}


def check(cond, what):
    if cond:
        _counts["passed"] += 1
    else:
        _counts["failed"] += 1
        print("FAIL:", what)


def failures():
    return _counts["failed"]


def finish():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)


def integrate_on_recorded(t, v, x0, rate, lo=None, hi=None):
    """A state equation dx/dt = rate(v, x) integrated by 4th-order Runge-Kutta on a voltage
    recorded at times t (linear between the points), from x0; the state is clipped to [lo, hi]
    after each step where given. Returns the state at every recorded time."""
    x, out = x0, [x0]
    for k in range(len(t) - 1):
        h, va, vb = t[k + 1] - t[k], v[k], v[k + 1]
        vm = 0.5 * (va + vb)
        k1 = rate(va, x)
        k2 = rate(vm, x + 0.5 * h * k1)
        k3 = rate(vm, x + 0.5 * h * k2)
        k4 = rate(vb, x + h * k3)
        x += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        if lo is not None: x = max(x, lo)
        if hi is not None: x = min(x, hi)
        out.append(x)
    return out
