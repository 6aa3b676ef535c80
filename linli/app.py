"""The kernel of the application factory: settings in, a Flask app with no interfaces yet out."""
import dataclasses
import datetime
import functools
import logging

from flask import Flask
from flask import abort
from flask import g
from flask import redirect
from flask import request
from flask import send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from linli import audit
from linli import clock
from linli import config
from linli import edge
from linli import errors
from linli import health
from linli import queue
from linli import storage
from linli.config import Settings
from models.db import INT_MAX
from models.db import db
from models.db import init_db
from models.db import schema_problem

# Endpoints that must answer even when the database is down or not migrated.
UNGATED_ENDPOINTS = {"health.healthz", "static", "media"}


SECRET_BEARING_LOGGERS = ("peewee", "urllib3")

# Sent with every response (nginx serves /media/ itself and adds its own). The console's pages
# run no inline code: scripts and styles come only from its static files, so injected markup
# can neither run nor restyle. Images: ours, and WeChat's for followers' photos in the inbox.
# No page may be framed (clickjacking), nothing is sniffed into another type, and links to
# other sites do not carry the console's URLs. With MEDIA_BACKEND=s3 the bucket's origin joins
# images and media (voice, video): private photos load from its presigned links.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@functools.lru_cache(maxsize=8)
def content_security_policy(media_origin=""):
    extra = " " + media_origin if media_origin else ""
    return "; ".join((
        "default-src 'self'", "script-src 'self'", "style-src 'self'",
        "img-src 'self' http://mmbiz.qpic.cn https://mmbiz.qpic.cn" + extra, "media-src 'self'" + extra,
        "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"))


def make_app(settings=None, **overrides):
    """The kernel every interface runs in: settings, logging, the database's lifecycle, the queue,
    errors, the edge's refusals, security headers, /healthz and /media. wsgi.create_app adds the
    interfaces. `settings` defaults to the environment's; `overrides` replace single settings."""
    if settings is None:
        settings = Settings.from_env(**overrides)
    elif overrides:
        settings = dataclasses.replace(settings, **overrides)

    logging.basicConfig(level=settings.LOG_LEVEL,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Their DEBUG lines carry SQL parameters (session keys, phones) and URLs with the access
    # token: even with LOG_LEVEL=DEBUG they say nothing below INFO.
    for name in SECRET_BEARING_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    app = Flask(__name__)
    # <int:...> in every route stops at the database's 32-bit integers: a larger id is a 404,
    # not an overflow inside a query.
    app.url_map.converters["int"] = BoundedInt
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=16 * 1024 * 1024,
                      # The console's session cookie (console/auth.py).
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.CONSOLE_COOKIE_SECURE, SESSION_COOKIE_NAME="linli_console",
                      PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=12))
    config.activate(settings)       # views, tasks and commands read them as config.active()
    clock.configure(settings)       # every process (workers, consumer, CLI) reads the same clock

    # Nothing connects here: gunicorn forks workers after loading the app.
    init_db(settings.DATABASE_URL, settings.DB_MAX_CONNECTIONS)
    queue.configure(settings)

    _register_db_lifecycle(app)
    errors.register(app)
    edge.register(app)
    audit.register(app)
    _register_security_headers(app)
    app.register_blueprint(health.bp)
    _register_media(app)
    trust_proxies(app, settings.PROXY_HOPS)
    return app


class BoundedInt(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def trust_proxies(app, hops):
    """Behind nginx every request comes from 127.0.0.1: the console's sign-in limit per address
    needs the client's own, from the `hops` proxies we run (and only those)."""
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _register_media(app):
    """/media/<key>: on local disk the files (in production nginx serves all but votes/ itself);
    on S3 a redirect to a fresh signed link, for public keys only. Private media is reached only
    through the signed links that pages and answers give after their own checks."""
    @app.get("/media/<path:name>")
    def media(name):
        store = storage.active()
        try:
            storage.check_key(name)
        except storage.MediaMissing:
            abort(404)
        if store.backend == "s3":
            if not storage.is_public(name):
                abort(404)
            return redirect(store.signed_url(name), 302)
        if name.split("/", 1)[0] in storage.SIGNED_ON_DISK and not store.signed_ok(name, request.args.get("sig")):
            abort(403)
        response = send_from_directory(store.root, name, max_age=7 * 24 * 3600)
        if not storage.is_public(name):
            response.cache_control.public = False
            response.cache_control.private = True
        return response

    app.jinja_env.globals["media_url"] = storage.url_of


def _register_security_headers(app):
    @app.after_request
    def add_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy(storage.active().origin))
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _register_db_lifecycle(app):
    # A per-process memo of a fact that only turns true (the schema became current); re-checked
    # on every request until then, so a `db upgrade` run while serving is picked up.
    schema_verified = []

    @app.before_request
    def open_connection():
        if request.endpoint in UNGATED_ENDPOINTS:
            return None
        # Opened here, closed in teardown; in production every request opens its own.
        g.opened_connection = db.is_closed()
        if g.opened_connection:
            db.connect()
        if not schema_verified:
            problem = schema_problem()
            if problem:
                return errors.error_response(503, "schema_not_current", problem)
            schema_verified.append(True)
        return None

    @app.teardown_request
    def close_connection(exc):
        if g.get("opened_connection") and not db.is_closed():
            db.close()
