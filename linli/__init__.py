"""Linli's application core: the app factory, settings, errors, the queue and the commands."""
