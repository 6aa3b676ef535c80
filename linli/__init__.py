"""Linli's kernel, which every layer may import: settings, errors, the clock, the queue, the app's
base (make_app) and the database and queue commands. wsgi.py composes the service from it."""
