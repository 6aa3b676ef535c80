"""The staff console under /console: server-rendered pages (Flask + Jinja) for grid workers,
secretaries, editors and admins. Views parse the form, call the same domain functions as the
APIs, and render; roles are checked on the server for every page and action."""
from console.views import bp

__all__ = ["bp"]
