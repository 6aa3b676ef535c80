"""The staff console under /console: server-rendered pages (Flask + Jinja) for grid workers,
secretaries, editors and admins. Views parse the form, call the same domain functions as the
APIs, and render; roles are checked on the server for every page and action.

The blueprint is console/blueprint.py (and console/screen_view.py's, the buildings' public
e-screens); each page module registers its routes on it when
imported, here, and none imports this package back."""
from console import cases  # noqa: F401  (each import registers that module's routes on bp)
from console import community_pages  # noqa: F401
from console import consultations  # noqa: F401
from console import content  # noqa: F401
from console import households  # noqa: F401
from console import inbox  # noqa: F401
from console import proposals  # noqa: F401
from console import redcard  # noqa: F401
from console import rounds  # noqa: F401
from console import screens  # noqa: F401
from console import staff_pages  # noqa: F401
from console import views  # noqa: F401
from console import volunteer_calls  # noqa: F401
from console import volunteers  # noqa: F401
from console.blueprint import bp
from console.screen_view import bp as screen_bp

__all__ = ["bp", "screen_bp"]
