"""gunicorn entry point: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`."""
from linli.app import create_app

app = create_app()
