"""What the tests share, one job a module; tests/conftest.py declares the fixtures over them.

- wechat_apps: the official account and mini-program the tests sign and answer as;
- stacks: which stacks run (SQLite, PostgreSQL + Redis) and whether their servers answer;
- databases: a migrated database made once a run, and put back to empty before each test;
- settings: the settings of a test, as a subprocess's environment, and changed mid-test;
- emulator: the WeChat emulator started once a run, and fresh for each test;
- live_server: gunicorn on the test's settings, and a client that pushes to it;
- browser: Debian's Chromium through Playwright, and the console signed in through it;
- console: the console signed in through Flask's test client;
- wechat_push: pushes signed (and encrypted) the way WeChat sends them;
- passwords: password hashing at a test's pace;
- markers: the marks that sort the tests (fast, live_server, browser, services, slow).
The WeChat emulator itself is a program of its own, tests/wechat_emulator (`python -m
tests.wechat_emulator` runs it alone).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent       # the checkout: gunicorn runs from here
