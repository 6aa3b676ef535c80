"""The marks that sort the tests, and the rule that gives them.

- `live_server`: runs the app or the queue in a process of its own (gunicorn, the consumer);
- `browser`: drives Chromium;
- `services`: runs on the PostgreSQL + Redis stack;
- `slow`: seconds of its own work even in-process (written on the test);
- `fast`: the inner loop (`make test-fast`): of each test module, the first OPENING test
  functions, one case each, that are none of the above but services. A module opens with its
  main story, so the loop checks every module's main path, and that every module imports, in
  well under a minute. All ~580 in-process tests take over two minutes of CPU: 0.05 s each to
  create the app, 0.09 s each for the other fixtures and the test itself, and 0.14 s more for
  each of the ~400 that seed the demo community.
The marks come from the fixtures a test uses, the stack it runs on and its place in its module,
so a new test gets them without asking; a test that starts a process without the live_server
fixture is told to take the mark (expect_marker). They are registered in pyproject.toml."""
import pytest

from tests.support.stacks import SERVICE_STACKS

OPENING = 2
# The fixtures that make a test live_server or browser.
FIXTURE_MARKS = {
    "live_server": ("live_server",),
    "site": ("live_server", "browser"),
    "chromium": ("browser",),
}
NOT_IN_PROCESS = ("live_server", "browser", "slow")

_running = None         # the item being run, for expect_marker()


def mark(items):
    """Give each collected test its marks (pytest_collection_modifyitems, before deselection)."""
    opening = {}        # module -> the functions chosen for the inner loop
    for item in items:
        for fixture in item.fixturenames:
            for name in FIXTURE_MARKS.get(fixture, ()):
                item.add_marker(name)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("stack") in SERVICE_STACKS:
            item.add_marker("services")
        if any(item.get_closest_marker(name) for name in NOT_IN_PROCESS):
            continue
        chosen = opening.setdefault(item.module.__name__, [])
        function = getattr(item, "originalname", item.name)
        if function not in chosen and len(chosen) < OPENING:
            chosen.append(function)
            item.add_marker("fast")


def running(item):
    global _running
    _running = item


def expect_marker(name, why):
    """Fail the running test unless it carries `name`: a test that starts a process without the
    mark would run in the inner loop and slow it down."""
    if _running is not None and _running.get_closest_marker(name) is None:
        pytest.fail("%s: mark this test @pytest.mark.%s (%s)" % (_running.nodeid, name, why),
                    pytrace=False)
