"""The limiter spaces requests so that no 60-second window holds more than the quota."""
from tpbis.google.pacing import RateLimiter


def test_even_spacing_keeps_every_window_under_quota():
    sent = []
    t = [0.0]
    limiter = RateLimiter(60, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    for _ in range(300):
        limiter.acquire()
        sent.append(t[0])
    worst = max(sum(1 for x in sent if start <= x < start + 60) for start in sent)
    assert worst <= 60
    # and it is close to the quota: 300 requests take about 300 / (60 * 0.98) minutes
    assert 295 / 58.8 * 60 <= sent[-1] <= 300 / 58.8 * 60


def test_pause_pushes_all_later_slots_back():
    t = [0.0]
    limiter = RateLimiter(600, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    limiter.acquire()
    limiter.pause(30)
    limiter.acquire()
    assert t[0] >= 30


def test_unlimited_never_waits():
    slept = []
    limiter = RateLimiter(None, sleep=slept.append)
    for _ in range(1000):
        limiter.acquire()
    assert slept == [] and limiter.acquired == 1000


def test_late_slots_are_caught_up_without_ever_exceeding_the_quota():
    """Threads that stall (GIL, a slow response) may use missed slots late, in a small burst;
    no 60-second window ever holds more than the quota, and the rate achieved stays at it."""
    import random
    rng = random.Random(5)
    quota = 2400
    t = [0.0]
    limiter = RateLimiter(quota, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    sent = []
    for _ in range(12_000):
        if rng.random() < 0.005:
            t[0] += rng.uniform(0, 1.0)          # a stall: nobody asked for up to a second
        limiter.acquire()
        sent.append(t[0])
    from bisect import bisect_left
    worst = max(i - bisect_left(sent, x - 60 + 1e-9) + 1 for i, x in enumerate(sent))
    assert worst <= quota
    assert len(sent) / (sent[-1] / 60) >= 0.95 * quota
