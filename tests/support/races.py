"""Races for tests: calls released at the same instant, as double clicks and two workers make them."""
import threading


def together(count, action):
    """Run `action(i)` in `count` threads released at once; their results in order."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        results[i] = action(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
