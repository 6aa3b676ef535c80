"""Errors become responses here, in one place.

Under /api/ (and any JSON client) every error is `{"error": {"code", "message"}}`; domain code
raises LinliError subclasses and never builds responses itself.
"""
import logging

from flask import jsonify
from flask import request
from peewee import InterfaceError
from peewee import OperationalError
from requests import RequestException
from wechatpy.exceptions import WeChatClientException
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/healthz", "/open311/")


class LinliError(Exception):
    """A domain error with a stable code for programs and a message for people (Chinese where
    residents or staff read it)."""
    status = 422

    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status


class PermissionDenied(LinliError):
    """The person may not do this here (their role or its scope does not cover it)."""
    status = 403


def error_response(status, code, message):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def too_large_message():
    """Werkzeug's 413 says "Request Entity Too Large" in English; staff and residents read this.
    The limit is the route's own where it sets one (request.max_content_length), else the app's."""
    limit = request.max_content_length
    mb = limit // (1024 * 1024) if limit else 0
    return "文件过大，请压缩后重试（不超过 %d MB）" % mb if mb else "文件过大，请压缩后重试"


def _wants_json():
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def register(app):
    @app.errorhandler(LinliError)
    def domain_error(exc):
        return error_response(exc.status, exc.code, exc.message)

    # Registered on the app, not a blueprint: blueprint handlers never see routing errors.
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 413:
            # Any route: an over-size body is refused before the view reads it.
            if _wants_json():
                return error_response(413, "too_large", too_large_message())
            return too_large_message(), 413, {"Content-Type": "text/plain; charset=utf-8"}
        if not _wants_json():
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        response = error_response(exc.code, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc):
        logger.error("database error: %s", exc)
        return error_response(503, "database_unavailable", "数据库暂时不可用，请稍后再试")

    # WeChat refused or could not be reached while a request waited on it (a staff member's
    # QR code, a publish): theirs, not ours, so a 502 that says so, never a 500.
    @app.errorhandler(WeChatClientException)
    @app.errorhandler(RequestException)
    def wechat_unavailable(exc):
        errcode = getattr(exc, "errcode", None)
        logger.warning("WeChat unavailable on %s %s: %s", request.method, request.path, errcode or type(exc).__name__)
        message = "微信接口暂时不可用%s，请稍后再试" % ("（错误码 %s）" % errcode if errcode else "")
        if _wants_json():
            return error_response(502, "wechat_unavailable", message)
        return message, 502

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(500, "internal_error", "服务器内部错误")
        return "服务器内部错误", 500
