"""The nginx site from deploy/ (deploy/nginx-linli.conf), run by the OS's nginx as a test's child.

The site is rendered with as few changes as can run it unprivileged: the upstream lists the
test's hosts, the ports are free ones on 127.0.0.1, the certificate is a self-signed one made for
the run, the proxy snippet is the one written at the end of the site file, and nginx's own files
(pid, logs, temporary bodies) live under the run's prefix. Every other line is the deployed one,
so a directive this nginx does not know fails the test as it would fail `nginx -t` on a server.

A missing nginx skips the test, or fails it when LINLI_TEST_REQUIRE_NGINX=1 (CI installs it)."""
import contextlib
import datetime
import getpass
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support import ROOT

SITE = ROOT / "deploy" / "nginx-linli.conf"
NGINX = os.environ.get("LINLI_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
REQUIRE_NGINX = os.environ.get("LINLI_TEST_REQUIRE_NGINX") == "1"     # CI: missing is a failure
UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:8000 (.*)$", re.M)


def require():
    """Skip the test (fail it, when required) if this machine has no nginx."""
    if os.path.exists(NGINX):
        return NGINX
    problem = "no nginx at %s (Debian: apt-get install nginx)" % NGINX
    if REQUIRE_NGINX:
        pytest.fail("nginx required but " + problem)
    pytest.skip("nginx skipped: " + problem)


def version():
    """This nginx's version as a tuple, (1, 22, 1)."""
    said = subprocess.run([NGINX, "-v"], capture_output=True, text=True, timeout=10).stderr
    return tuple(int(n) for n in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", said).groups())


def proxy_snippet(site_text):
    """/etc/nginx/snippets/linli-proxy.conf as the site file's last lines write it."""
    lines = site_text.split("# /etc/nginx/snippets/linli-proxy.conf:", 1)[1].splitlines()
    return "\n".join(line.lstrip("#").strip() for line in lines if line.strip()) + "\n"


MEDIA_BLOCKS = re.compile(r"^[ \t]*location /media/(votes/)? \{[^}]*\}\n", re.M)


def render_site(site_text, upstreams, http_port, https_port, prefix, certificate, key, media_on_disk=True):
    """The site with the test's upstream hosts, ports and files; raises if the deployed file no
    longer has a line this rewrites (the test would otherwise run a site of its own making).
    Without `media_on_disk` (MEDIA_BACKEND=s3) the two /media/ blocks are deleted, as
    deploy/PRODUCTION.md says to: /media/ then goes to the app."""
    replacements = [
        (UPSTREAM_SERVER, lambda m: "\n".join("%sserver %s %s" % (m.group(1), host, m.group(2))
                                              for host in upstreams)),
        (re.compile(r"listen 80;"), "listen 127.0.0.1:%d;" % http_port),
        (re.compile(r"listen 443 ssl"), "listen 127.0.0.1:%d ssl" % https_port),
        (re.compile(r"/etc/ssl/linli/fullchain\.pem"), str(certificate)),
        (re.compile(r"/etc/ssl/linli/privkey\.pem"), str(key)),
        (re.compile(r"/etc/nginx/snippets/linli-proxy\.conf"), str(prefix / "linli-proxy.conf")),
    ]
    if media_on_disk:
        replacements.append((re.compile(r"alias /srv/linli/media/;"), "alias %s/;" % (prefix / "media")))
    text = site_text
    if not media_on_disk:
        text, count = MEDIA_BLOCKS.subn("", text)
        if count != 2:
            raise AssertionError("deploy/nginx-linli.conf has %d /media/ blocks, not the two "
                                 "deploy/PRODUCTION.md says to delete for MEDIA_BACKEND=s3" % count)
    for pattern, replacement in replacements:
        text, count = pattern.subn(replacement, text)
        if not count:
            raise AssertionError("deploy/nginx-linli.conf has no %r any more: update "
                                 "tests/support/nginx.py" % pattern.pattern)
    return text


def main_config(prefix, site):
    """nginx.conf for the prefix: the site included in `http`, as Debian's nginx.conf does."""
    mime = "include /etc/nginx/mime.types;" if os.path.exists("/etc/nginx/mime.types") else ""
    temp = "\n".join("    %s_temp_path %s;" % (kind, prefix / "temp" / kind)
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # `user` only matters when the master runs as root: then its workers stay this user too,
    # as they must read the run's files under a private temporary folder.
    return ("user %s;\nworker_processes 1;\npid %s;\nerror_log %s info;\n"
            "events { worker_connections 256; }\n"
            "http {\n    %s\n    access_log %s;\n%s\n    include %s;\n}\n"
            % (getpass.getuser(), prefix / "nginx.pid", prefix / "error.log", mime,
               prefix / "access.log", temp, site))


def self_signed(prefix):
    """(certificate, key) for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "linli-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([
                       x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = prefix / "fullchain.pem", prefix / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


class Nginx:
    """nginx in the foreground (`daemon off`) in a process group of its own, serving the site
    over TLS at `url` (verify requests with `certificate`) and its port-80 server at `http_url`."""

    def __init__(self, prefix, upstreams, http_port, https_port, media_on_disk=True):
        self.prefix = Path(prefix)
        (self.prefix / "media").mkdir(parents=True, exist_ok=True)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "temp" / kind).mkdir(parents=True, exist_ok=True)
        site_text = SITE.read_text()
        (self.prefix / "linli-proxy.conf").write_text(proxy_snippet(site_text))
        self.certificate, key = self_signed(self.prefix)
        (self.prefix / "linli-site.conf").write_text(
            render_site(site_text, upstreams, http_port, https_port, self.prefix, self.certificate, key,
                        media_on_disk))
        self.config = self.prefix / "nginx.conf"
        self.config.write_text(main_config(self.prefix, self.prefix / "linli-site.conf"))
        self.url = "https://127.0.0.1:%d" % https_port
        self.http_url = "http://127.0.0.1:%d" % http_port
        self.log = self.prefix / "nginx.out"
        self.process = None

    def command(self, *extra):
        # -e (nginx >= 1.19.5): errors before the config is read go to the prefix too, not to
        # /var/log/nginx, which an unprivileged user cannot open (older nginx only warns of it).
        early_log = ["-e", str(self.prefix / "error.log")] if version() >= (1, 19, 5) else []
        return [NGINX, "-p", str(self.prefix), "-c", str(self.config), *early_log, *extra]

    def start(self, timeout=30):
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise AssertionError("nginx -t refuses the rendered deploy/nginx-linli.conf:\n%s" % checked.stderr)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                requests.get(self.url + "/healthz", verify=str(self.certificate), timeout=10)
                return self
            except (requests.ConnectionError, requests.Timeout):
                # Refused while nginx starts, or a slow first answer from the hosts behind it on
                # a loaded machine (CI once timed out here at 2 s): ask again until the deadline.
                time.sleep(0.1)
        raise AssertionError("nginx did not start:\n%s" % self.logs())

    def stop(self):
        stop_group(self.process, signal.SIGQUIT)        # nginx's graceful stop

    def logs(self):
        return "\n".join("--- %s\n%s" % (name, tail(self.prefix / name))
                         for name in ("nginx.out", "error.log", "access.log"))


def stop_group(process, sig, grace=10):
    """Stop `process` with `sig` (to it alone: gunicorn's and nginx's masters stop their own
    workers), then kill whatever is left of its process group (it was started in a session
    of its own): nothing outlives the test."""
    if process is None:
        return
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def tail(path, limit=8000):
    """The last `limit` characters of the log at `path` ('' when there is none)."""
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return text if len(text) <= limit else "…" + text[-limit:]
