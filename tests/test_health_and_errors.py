"""/healthz, the schema gate and JSON error bodies."""
from tests.support.stacks import PG_URL
from wsgi import create_app


def test_healthz_is_ok_with_database_and_queue(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json["checks"]["database"] == "ok"
    assert answer.json["checks"]["queue"].startswith("ok")


def _database_down_url(stack, tmp_path):
    if stack == "sqlite":
        (tmp_path / "is-a-directory").mkdir()
        return "sqlite:///%s" % (tmp_path / "is-a-directory")   # cannot be opened as a file
    return PG_URL.replace(":5432", ":1")                        # nothing listens there


def test_healthz_reports_a_database_that_is_down(stack, settings, tmp_path):
    app = create_app(settings, DATABASE_URL=_database_down_url(stack, tmp_path))
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["status"] == "error"
    assert answer.json["checks"]["database"].startswith("unavailable")
    assert answer.json["checks"]["queue"].startswith("ok")


def test_requests_get_a_clean_503_while_the_database_is_down(stack, settings, tmp_path):
    app = create_app(settings, DATABASE_URL=_database_down_url(stack, tmp_path))
    answer = app.test_client().get("/api/anything")
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "database_unavailable"


def test_healthz_reports_a_queue_that_is_down(settings):
    app = create_app(settings, REDIS_URL="redis://127.0.0.1:1/0", TASKS_IMMEDIATE=False)
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["checks"]["queue"].startswith("unavailable")


def test_unmigrated_database_is_refused_with_the_command_to_run(settings, empty_database_url):
    app = create_app(settings, DATABASE_URL=empty_database_url)
    answer = app.test_client().get("/api/mp/anything")
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "schema_not_current"
    assert "flask --app wsgi db upgrade" in answer.json["error"]["message"]
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert "0001_initial" in health.json["checks"]["database"]


def test_unknown_api_path_is_a_json_404(client):
    answer = client.get("/api/no/such/thing")
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "not_found"
    assert answer.json["error"]["message"]


def test_wrong_method_is_a_json_405_with_allow(client):
    answer = client.post("/healthz")
    assert answer.status_code == 405
    assert answer.json["error"]["code"] == "method_not_allowed"
    assert "GET" in answer.headers["Allow"]


def test_pages_outside_the_api_keep_html_errors(client):
    answer = client.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
