"""deploy/nginx-linli.conf, read as nginx reads it: a location with an add_header of its own
inherits none of the server's, so HSTS and nosniff set for the server silently vanish there."""
import re
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx-linli.conf"


def _blocks(text):
    """(header, body) of each top-level `name ... { body }` in `text`, nested braces kept."""
    blocks, depth, start, header_start = [], 0, 0, 0
    for i, char in enumerate(text):
        if char == "{":
            if depth == 0:
                header, start = text[header_start:i], i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append((header.strip().splitlines()[-1].strip(), text[start:i]))
                header_start = i + 1
        elif char in ";\n" and depth == 0:
            header_start = i + 1
    return blocks


def _headers(body):
    """The add_header names directly in `body`, not in the blocks nested in it."""
    depth, own = 0, []
    for char in body:
        depth += char == "{"
        if depth == 0:
            own.append(char)
        depth -= char == "}"
    return set(re.findall(r"^\s*add_header\s+(\S+)", "".join(own), re.M))


def test_every_location_with_its_own_headers_keeps_the_servers():
    text = re.sub(r"#[^\n]*", "", SITE.read_text())
    tls = [body for header, body in _blocks(text) if header.startswith("server") and "listen 443" in body]
    assert tls, "no TLS server block"
    for server in tls:
        required = _headers(server)
        assert {"Strict-Transport-Security", "X-Content-Type-Options"} <= required
        for header, body in _blocks(server):
            own = _headers(body)
            if header.startswith("location") and own:
                assert required <= own, "%s drops %s" % (header, sorted(required - own))
