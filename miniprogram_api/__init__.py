"""The mini-program's JSON API under /api/mp (see README)."""
from miniprogram_api.staff import bp as staff_bp
from miniprogram_api.views import bp

__all__ = ["bp", "staff_bp"]
