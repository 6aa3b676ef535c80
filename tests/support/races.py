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


def another_connection_commits(written):
    """Another connection commits a row now, as another process would between a periodic job's
    read and its writes (SQLite refuses a write from a snapshot older than that commit);
    `written` collects the ids."""
    from models.db import connected
    from models.people import Resident

    def other_writer():
        with connected():
            written.append(Resident.create(oa_openid="o-meanwhile-%d" % len(written)).id)
    writer = threading.Thread(target=other_writer)
    writer.start()
    writer.join()
