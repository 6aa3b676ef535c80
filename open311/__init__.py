"""Open311 GeoReport v2 at /open311/v2: the community's cases for any Open311 client."""
from open311.views import bp

__all__ = ["bp"]
