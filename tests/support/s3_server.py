"""A real S3-compatible server for the tests: moto's S3 over HTTP on a free port, in a thread,
with the one check moto leaves out put in front of it.

moto (5.2.5) checks no presigned link: it serves a GET whose X-Amz-Signature is forged, or
whose X-Amz-Expires has passed, as if it were good. AWS S3, Aliyun OSS, Tencent COS and MinIO
refuse both, and the privacy of residents' photos rests on that refusal; so `Presigned` checks
every signed query link as they do (AWS Signature V4: the signature recomputed from the secret
key for this exact method, host, path and parameters, and the date plus its lifetime not past)
and answers 403 otherwise. `advance(seconds)` moves the server's own clock, so a link can be
shown expired without the test waiting."""
import contextlib
import datetime
import hmac
import threading
import uuid
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import boto3
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import make_server

ACCESS_KEY, SECRET_KEY, REGION = "linli-test-key", "linli-test-secret-0123456789", "us-east-1"


def genuine(url, secret, now):
    """Whether a presigned GET `url` was signed with `secret` for exactly this link and is not
    past its lifetime at `now` (aware UTC)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(pairs)
    try:
        access_key, _, region, service, _ = given["X-Amz-Credential"].split("/")
        signed_at = datetime.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        lifetime = int(given["X-Amz-Expires"])
        signature = given["X-Amz-Signature"]
    except (KeyError, ValueError):
        return False
    if now > signed_at + datetime.timedelta(seconds=lifetime):
        return False
    unsigned = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in pairs if not k.startswith("X-Amz-")])))
    # botocore's add_auth would sign at the present second; the steps below sign at the link's own.
    request = AWSRequest(method="GET", url=unsigned, headers={})
    request.context["timestamp"] = given["X-Amz-Date"]
    signer = S3SigV4QueryAuth(Credentials(access_key, secret), service, region, expires=lifetime)
    signer._modify_request_before_signing(request)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return hmac.compare_digest(expected, signature)


class Presigned:
    """WSGI middleware: a signed query link must be genuine (see `genuine`), as on S3."""

    def __init__(self, app):
        self.app = app
        self.offset = datetime.timedelta()

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if "X-Amz-Signature=" in query:
            url = "http://%s%s" % (environ["HTTP_HOST"], environ.get("RAW_URI") or environ.get("REQUEST_URI"))
            now = datetime.datetime.now(datetime.UTC) + self.offset
            if environ["REQUEST_METHOD"] != "GET" or not genuine(url, SECRET_KEY, now):
                body = b"<Error><Code>AccessDenied</Code><Message>signature or lifetime refused</Message></Error>"
                start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                                 ("Content-Length", str(len(body)))])
                return [body]
        return self.app(environ, start_response)


class S3Server:
    def __init__(self):
        self.gate = Presigned(DomainDispatcherApplication(create_backend_app))
        self.server = make_server("127.0.0.1", 0, self.gate, threaded=True, request_handler=MotoRequestHandler)
        self.endpoint = "http://127.0.0.1:%d" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def client(self):
        return client(self.endpoint)

    def new_bucket(self):
        name = "linli-media-" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)
        return name

    def advance(self, seconds):
        self.gate.offset += datetime.timedelta(seconds=seconds)

    def reset_clock(self):
        self.gate.offset = datetime.timedelta()


def client(endpoint):
    """A boto3 client of the test's own, beside the app's (to look into the bucket)."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


@contextlib.contextmanager
def running():
    server = S3Server()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def environment(monkeypatch, tmp_path):
    """boto3's usual credential chain pointed at the test server's key, and nowhere else."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
