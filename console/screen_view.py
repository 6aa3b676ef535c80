"""/screen/<token>: a building's e-screen, public to whoever holds its link (account/screens.py).

It refreshes itself every minute by a meta refresh (no script, so the console's Content
Security Policy holds unchanged). Search engines are told not to index it, and no Referer
carries the token to another site. An unknown or revoked token gets the same plain 404 page:
whether a link ever existed is not revealed."""
from flask import Blueprint
from flask import make_response
from flask import render_template

from account import screens

REFRESH_SECONDS = 60
PRIVATE_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer",
                   "Cache-Control": "no-store"}

bp = Blueprint("screen", __name__, url_prefix="/screen", template_folder="templates")


@bp.get("/<token>")
def show(token):
    screen = screens.open_screen(token)
    if screen is None:
        response = make_response(render_template("screen/missing.html"), 404)
    else:
        response = make_response(render_template("screen/screen.html", screen=screen, refresh=REFRESH_SECONDS))
    response.headers.update(PRIVATE_HEADERS)
    return response
