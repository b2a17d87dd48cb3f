"""The Python peer of snapfail.tm: the same descent, then an exception at the bottom."""


def down(n, acc):
    label = f"frame-{n}"
    acc2 = (n, acc)
    if n == 0:
        raise ValueError(f"bottom reached with {n + 1} items")
    return 1 + len(label) + down(n - 1, acc2)


def fail_at(n):
    return down(n, ())
