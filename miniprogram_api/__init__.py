"""The mini-program's JSON API under /api/mp (see README)."""
from miniprogram_api import consultations  # noqa: F401  (its routes join views.bp and staff.bp)
from miniprogram_api import content  # noqa: F401  (its routes join views.bp)
from miniprogram_api import door_voices  # noqa: F401  (its routes join staff.bp)
from miniprogram_api import proposals  # noqa: F401  (its routes join views.bp and staff.bp)
from miniprogram_api import rounds  # noqa: F401  (its routes join staff.bp)
from miniprogram_api import volunteers  # noqa: F401  (its routes join views.bp and staff.bp)
from miniprogram_api.redcard import merchant_bp as redcard_merchant_bp
from miniprogram_api.redcard import resident_bp as redcard_resident_bp
from miniprogram_api.redcard_staff import bp as redcard_staff_bp
from miniprogram_api.settings import client_settings  # noqa: F401  (its route joins bp)
from miniprogram_api.staff import bp as staff_bp
from miniprogram_api.views import bp

__all__ = ["bp", "staff_bp", "redcard_resident_bp", "redcard_merchant_bp", "redcard_staff_bp"]
