"""The mini-program's JSON API under /api/mp (see README)."""
from miniprogram_api.views import bp

__all__ = ["bp"]
