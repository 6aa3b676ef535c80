"""Password hashing at a test's pace.

werkzeug's default method (scrypt) takes about 0.3 s a hash on the development machine, on
purpose; the demo community hashes its password once per seed and every sign-in checks one, which
made hashing the largest single cost of the suite. Tests hash with one round of pbkdf2 instead. A
hash names its own method, so gunicorn in a live-server test checks it all the same. A test that
measures the hashing itself is marked `password_hashing` and keeps the default."""
import contextlib
import functools

from werkzeug.security import generate_password_hash

from community import staff

CHEAP_METHOD = "pbkdf2:sha256:1"


@contextlib.contextmanager
def hashing(cheap):
    """Staff passwords hashed with CHEAP_METHOD (`cheap`) or werkzeug's default for the block.
    The stand-in checked for unknown names is made again with the same method, as it must cost
    what a real hash costs."""
    as_deployed = staff.generate_password_hash
    if cheap:
        staff.generate_password_hash = functools.partial(generate_password_hash, method=CHEAP_METHOD)
    staff._stand_in_hash.cache_clear()
    try:
        yield
    finally:
        staff.generate_password_hash = as_deployed
        staff._stand_in_hash.cache_clear()
