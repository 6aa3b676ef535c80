"""The emulated WeChat HTTP API: the calls Linli makes, with WeChat's paths, parameters and
error codes. Every call is recorded; every call but the token and login ones checks the token.

Errcodes used (WeChat's): 40001 invalid credential, 40007 invalid media_id, 40013 invalid appid,
40029 invalid code, 40125 invalid secret, 40163 code used, 41001 token missing, 42001 token
expired, 43101 no subscription, 44002 empty post data, 45009 quota, 45015 outside the
customer-service window, 45035 too many openids in one batchget, 45047 the window's count used
up, 45056 too many tags, 45065 duplicate clientmsgid, 45157 tag name taken, 45158 tag name over
30 bytes, 47001 bad data format, 48001 API unauthorized,
88000 no comment permission, -1 system busy.
"""
import json
import time

from flask import Flask
from flask import Response
from flask import request

from tests.wechat_emulator.state import Call

ROUTES = {}
# A 1x1 PNG: what QR-code and wxacode endpoints answer.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d"
                    "49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def route(path, token=True):
    def register(handler):
        ROUTES[path] = (handler, token)
        return handler
    return register


def make_app(state):
    app = Flask("wechat_emulator")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def dispatch(path):
        params = request.args.to_dict()
        files = {name: (f.filename, len(f.read())) for name, f in request.files.items()}
        body = None
        raw = request.get_data(cache=True)
        if raw and not request.files and not request.form:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        # Recorded on arrival: a call the client gave up on (slow answer) still reached WeChat.
        call = Call(request.method, path, params, body, files, params.get("access_token", ""), None)
        with state.lock:
            state.calls.append(call)
        if isinstance(body, str):
            return _answer(call, {"errcode": 47001, "errmsg": "data format error"})
        fault = state.take_fault(path)
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.seconds)
            elif fault.kind == "http500":
                call.errcode = -500
                return Response("internal error", status=500)
            else:
                return _answer(call, {"errcode": fault.errcode, "errmsg": "injected fault"})
        entry = ROUTES.get(path)
        if entry is None:
            return _answer(call, {"errcode": 40066, "errmsg": "invalid url %s" % path}, status=404)
        handler, needs_token = entry
        if needs_token:
            errcode = state.token_error(params.get("access_token"))
            if errcode:
                return _answer(call, {"errcode": errcode, "errmsg": "access_token problem"})
        result = handler(state, params, body or {}, request)
        if isinstance(result, Response):
            call.errcode = 0 if result.status_code == 200 else -result.status_code
            return result
        return _answer(call, result)

    return app


def _answer(call, result, status=200):
    result.setdefault("errcode", 0)
    result.setdefault("errmsg", "ok")
    call.errcode = result["errcode"]
    return Response(json.dumps(result, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _err(code, message):
    return {"errcode": code, "errmsg": message}


# -- tokens -----------------------------------------------------------------------------------
def _credentials_error(state, appid, secret):
    if appid not in state.apps:
        return _err(40013, "invalid appid")
    if state.apps[appid] != secret:
        return _err(40125, "invalid appsecret")
    return None


@route("cgi-bin/token", token=False)
def token(state, params, body, req):
    error = _credentials_error(state, params.get("appid"), params.get("secret"))
    if error:
        return error
    value, expires_in = state.issue_token(params["appid"], stable=False)
    return {"access_token": value, "expires_in": expires_in}


@route("cgi-bin/stable_token", token=False)
def stable_token(state, params, body, req):
    if body.get("grant_type") != "client_credential":
        return _err(40002, "invalid grant_type")
    error = _credentials_error(state, body.get("appid"), body.get("secret"))
    if error:
        return error
    if body.get("force_refresh"):
        with state.lock:
            state.stable.pop(body["appid"], None)
    value, expires_in = state.issue_token(body["appid"], stable=True)
    return {"access_token": value, "expires_in": expires_in}


# -- users and messages -----------------------------------------------------------------------
@route("cgi-bin/user/info")
def user_info(state, params, body, req):
    openid = params.get("openid", "")
    if not openid:
        return _err(40003, "invalid openid")
    with state.lock:
        profile = state.users.get(openid, {"subscribe": 1, "nickname": "用户" + openid[-4:]})
    return dict(profile, openid=openid)


@route("cgi-bin/user/get")
def user_get(state, params, body, req):
    """Followers in a stable order, `user_page` (WeChat: 10,000) at a time, from after
    `next_openid`; the last page answers count 0 and an empty next_openid."""
    with state.lock:
        openids = sorted(o for o, p in state.users.items() if p.get("subscribe", 1) == 1)
        size = state.user_page
    after = params.get("next_openid", "")
    if after and after not in state.users:
        return _err(40003, "invalid next_openid")
    rest = [o for o in openids if o > after] if after else openids
    page = rest[:size]
    result = {"total": len(openids), "count": len(page), "next_openid": page[-1] if page else ""}
    if page:
        result["data"] = {"openid": page}
    return result


@route("cgi-bin/user/info/batchget")
def user_info_batchget(state, params, body, req):
    users = body.get("user_list")
    if not isinstance(users, list) or not users:
        return _err(47001, "user_list is required")
    if len(users) > 100:
        return _err(45035, "user_list size out of limit (100)")
    with state.lock:
        found = [dict(state.users.get(u.get("openid"), {"subscribe": 0}), openid=u.get("openid")) for u in users]
    return {"user_info_list": found}


def _require(body, *fields):
    missing = [f for f in fields if f not in body]
    return _err(44002 if not body else 47001, "missing %s" % ", ".join(missing)) if missing else None


@route("cgi-bin/message/custom/send")
def custom_send(state, params, body, req):
    error = _require(body, "touser", "msgtype")
    if error:
        return error
    if body["touser"] in state.outside_window:
        return _err(45015, "response out of time limit or subscription is canceled")
    errcode = state.window_error(body["touser"])
    if errcode == 45015:
        return _err(45015, "response out of time limit or subscription is canceled")
    if errcode:
        return _err(45047, "out of response count limit")
    return {}


@route("cgi-bin/message/template/send")
def template_send(state, params, body, req):
    return _require(body, "touser", "template_id") or {"msgid": state.next_id()}


@route("cgi-bin/message/subscribe/send")
def subscribe_send(state, params, body, req):
    error = _require(body, "touser", "template_id")
    if error:
        return error
    if body["touser"] in state.no_subscription:
        return _err(43101, "user refuse to accept the msg")
    return {}


@route("cgi-bin/message/subscribe/bizsend")
def subscribe_notice_send(state, params, body, req):
    """The official account's subscription notice: only to a user who accepted the template
    (43101 otherwise). WeChat's answer carries no msgid."""
    error = _require(body, "touser", "template_id", "data")
    if error:
        return error
    with state.lock:
        consent = state.notice_consent.get((body["touser"], body["template_id"]))
    if consent != "accept":
        return _err(43101, "user refuse to accept the msg")
    return {}


@route("sns/jscode2session", token=False)
def jscode2session(state, params, body, req):
    error = _credentials_error(state, params.get("appid"), params.get("secret"))
    if error:
        return error
    with state.lock:
        login = state.login_codes.get(params.get("js_code", ""))
        if login is None:
            return _err(40029, "invalid code")
        if login["used"]:
            return _err(40163, "code been used")
        login["used"] = True
    result = {"openid": login["openid"], "session_key": "sk-" + login["openid"]}
    if login.get("unionid"):
        result["unionid"] = login["unionid"]
    return result


@route("wxa/business/getuserphonenumber")
def user_phone_number(state, params, body, req):
    with state.lock:
        entry = state.phone_codes.get(body.get("code", ""))
        if entry is None or entry["used"]:
            return _err(40029, "invalid code")
        entry["used"] = True
    # Foreign numbers carry their country code in phoneNumber; mainland ones do not.
    full = entry["phone"] if entry["country"] == "86" else "+%s%s" % (entry["country"], entry["phone"])
    return {"phone_info": {"phoneNumber": full, "purePhoneNumber": entry["phone"], "countryCode": entry["country"],
                           "watermark": {"timestamp": int(time.time()), "appid": entry["appid"]}}}


# -- media, material, drafts, publishing ------------------------------------------------------
def _store_media(state, kind, permanent):
    upload = request.files.get("media")
    if upload is None:
        return None
    media_id = "media-%d" % state.next_id()
    with state.lock:
        state.media[media_id] = {"type": kind, "permanent": permanent}
    return media_id


@route("cgi-bin/media/upload")
def media_upload(state, params, body, req):
    media_id = _store_media(state, params.get("type", "image"), permanent=False)
    if media_id is None:
        return _err(41005, "media data missing")
    return {"type": params.get("type", "image"), "media_id": media_id, "created_at": int(time.time())}


@route("cgi-bin/media/get")
def media_get(state, params, body, req):
    """Temporary media (what residents send): the file itself for 3 days, then 40007."""
    with state.lock:
        entry = state.media.get(params.get("media_id", ""))
    if entry is None or "data" not in entry or entry.get("expires_at", float("inf")) <= time.time():
        return _err(40007, "invalid media_id")
    return Response(entry["data"], mimetype=entry["content_type"],
                    headers={"Content-Disposition": 'attachment; filename="%s"' % params["media_id"]})


@route("cgi-bin/media/uploadimg")
def media_uploadimg(state, params, body, req):
    media_id = _store_media(state, "image", permanent=True)
    if media_id is None:
        return _err(41005, "media data missing")
    return {"url": "http://mmbiz.qpic.cn/emulator/%s/0" % media_id}


@route("cgi-bin/material/add_material")
def material_add(state, params, body, req):
    media_id = _store_media(state, params.get("type", "image"), permanent=True)
    if media_id is None:
        return _err(41005, "media data missing")
    return {"media_id": media_id, "url": "http://mmbiz.qpic.cn/emulator/%s/0" % media_id}


@route("cgi-bin/material/del_material")
def material_delete(state, params, body, req):
    with state.lock:
        if state.media.pop(body.get("media_id"), None) is None:
            return _err(40007, "invalid media_id")
    return {}


@route("cgi-bin/material/get_materialcount")
def material_count(state, params, body, req):
    with state.lock:
        images = sum(1 for m in state.media.values() if m["permanent"] and m["type"] == "image")
    return {"image_count": images, "voice_count": 0, "video_count": 0, "news_count": 0}


def _check_articles(state, articles):
    if not isinstance(articles, list) or not articles:
        return _err(47001, "articles must be a non-empty list")
    for article in articles:
        if not article.get("title") or len(article["title"]) > 32:
            return _err(45003, "title size out of limit")
        if len(article.get("content", "")) >= 20000:
            return _err(45002, "content size out of limit")
        thumb = state.media.get(article.get("thumb_media_id"))
        if thumb is None or not thumb["permanent"]:
            return _err(40007, "invalid media_id")
    return None


@route("cgi-bin/draft/add")
def draft_add(state, params, body, req):
    with state.lock:
        error = _check_articles(state, body.get("articles"))
        if error:
            return error
        media_id = "draft-%d" % state.next_id()
        state.drafts[media_id] = body["articles"]
    return {"media_id": media_id}


@route("cgi-bin/draft/update")
def draft_update(state, params, body, req):
    with state.lock:
        articles = state.drafts.get(body.get("media_id"))
        if articles is None:
            return _err(40007, "invalid media_id")
        index = body.get("index", 0)
        if not 0 <= index < len(articles):
            return _err(40007, "invalid index")
        error = _check_articles(state, [body.get("articles") or {}])
        if error:
            return error
        articles[index] = body["articles"]
    return {}


@route("cgi-bin/draft/get")
def draft_get(state, params, body, req):
    with state.lock:
        articles = state.drafts.get(body.get("media_id"))
    return {"news_item": articles} if articles is not None else _err(40007, "invalid media_id")


@route("cgi-bin/draft/delete")
def draft_delete(state, params, body, req):
    with state.lock:
        found = state.drafts.pop(body.get("media_id"), None)
    return {} if found is not None else _err(40007, "invalid media_id")


@route("cgi-bin/draft/count")
def draft_count(state, params, body, req):
    with state.lock:
        return {"total_count": len(state.drafts)}


@route("cgi-bin/draft/batchget")
def draft_batchget(state, params, body, req):
    with state.lock:
        items = [{"media_id": k, "content": {"news_item": v}} for k, v in state.drafts.items()]
    offset, count = body.get("offset", 0), body.get("count", 20)
    return {"total_count": len(items), "item_count": len(items[offset:offset + count]),
            "item": items[offset:offset + count]}


@route("cgi-bin/freepublish/submit")
def freepublish_submit(state, params, body, req):
    if not state.publish_allowed:
        return _err(48001, "api unauthorized")
    with state.lock:
        if body.get("media_id") not in state.drafts:
            return _err(40007, "invalid media_id")
        publish_id = str(state.next_id())
        state.publishes[publish_id] = {"media_id": body["media_id"],
                                       "article_id": "article-%s" % publish_id, "status": 0}
    return {"publish_id": publish_id, "msg_data_id": int(publish_id)}


@route("cgi-bin/freepublish/get")
def freepublish_get(state, params, body, req):
    with state.lock:
        job = state.publishes.get(str(body.get("publish_id")))
        if job is None:
            return _err(40007, "invalid publish_id")
        articles = state.drafts.get(job["media_id"], [])
    return {"publish_id": body["publish_id"], "publish_status": job["status"],
            "article_id": job["article_id"],
            "article_detail": {"count": len(articles), "item": [
                {"idx": i + 1, "article_url": "https://mp.weixin.qq.com/s/%s-%d" % (job["article_id"], i)}
                for i in range(len(articles))]},
            "fail_idx": []}


@route("cgi-bin/freepublish/delete")
def freepublish_delete(state, params, body, req):
    with state.lock:
        for job in state.publishes.values():
            if job["article_id"] == body.get("article_id"):
                job["status"] = 5     # deleted
                return {}
    return _err(40007, "invalid article_id")


# -- mass send and tags -----------------------------------------------------------------------
def _mass(state, body, need):
    error = _require(body, "msgtype", *need)
    if error:
        return error
    client_msg_id = body.get("clientmsgid")
    with state.lock:
        if client_msg_id and client_msg_id in state.client_msg_ids:
            return _err(45065, "clientmsgid exist")
        if client_msg_id:
            state.client_msg_ids.add(client_msg_id)
        msg_id = state.next_id()
        state.mass_jobs[msg_id] = body
    return {"msg_id": msg_id, "msg_data_id": msg_id}


@route("cgi-bin/message/mass/sendall")
def mass_sendall(state, params, body, req):
    target = body.get("filter") or {}
    if "group_id" in target:
        return _err(40050, "invalid group id: use filter.tag_id")
    if not target.get("is_to_all") and "tag_id" not in target:
        return _err(47001, "filter needs is_to_all or tag_id")
    return _mass(state, body, ["filter"])


@route("cgi-bin/message/mass/send")
def mass_send(state, params, body, req):
    touser = body.get("touser")
    if not isinstance(touser, list) or not 2 <= len(touser) <= 10000:
        return _err(40130, "invalid openid list size, at least two openid")
    return _mass(state, body, ["touser"])


@route("cgi-bin/message/mass/preview")
def mass_preview(state, params, body, req):
    return _require(body, "touser", "msgtype") or {"msg_id": state.next_id()}


@route("cgi-bin/message/mass/get")
def mass_get(state, params, body, req):
    with state.lock:
        found = body.get("msg_id") in state.mass_jobs
    return {"msg_id": body["msg_id"], "msg_status": "SEND_SUCCESS"} if found else _err(40007, "invalid msg_id")


TAG_LIMIT = 100          # tags an account may have


@route("cgi-bin/tags/create")
def tags_create(state, params, body, req):
    name = (body.get("tag") or {}).get("name", "")
    if not name or len(name.encode()) > 30:
        return _err(45158, "tag name too long")     # "标签名长度超过30个字节": bytes, UTF-8
    with state.lock:
        if name in state.tags.values():
            return _err(45157, "invalid tag name")
        if len(state.tags) >= TAG_LIMIT:
            return _err(45056, "too many tags now, no need to add new")
        tag_id = 100 + state.next_id()
        state.tags[tag_id] = name
    return {"tag": {"id": tag_id, "name": name}}


@route("cgi-bin/tags/get")
def tags_get(state, params, body, req):
    with state.lock:
        return {"tags": [{"id": i, "name": n,
                          "count": sum(1 for t in state.user_tags.values() if i in t)}
                         for i, n in state.tags.items()]}


@route("cgi-bin/tags/update")
def tags_update(state, params, body, req):
    tag = body.get("tag") or {}
    with state.lock:
        if tag.get("id") not in state.tags:
            return _err(45058, "invalid tag id")
        state.tags[tag["id"]] = tag.get("name", "")
    return {}


@route("cgi-bin/tags/delete")
def tags_delete(state, params, body, req):
    tag_id = (body.get("tag") or {}).get("id")
    with state.lock:
        if state.tags.pop(tag_id, None) is None:
            return _err(45058, "invalid tag id")
        for tags in state.user_tags.values():
            tags.discard(tag_id)
    return {}


def _tagging(state, body, add):
    with state.lock:
        if body.get("tagid") not in state.tags:
            return _err(45059, "invalid tag id")
        openids = body.get("openid_list") or []
        if len(openids) > 50:
            return _err(40032, "invalid openid list size")
        for openid in openids:
            tags = state.user_tags.setdefault(openid, set())
            (tags.add if add else tags.discard)(body["tagid"])
    return {}


@route("cgi-bin/tags/members/batchtagging")
def batch_tagging(state, params, body, req):
    return _tagging(state, body, add=True)


@route("cgi-bin/tags/members/batchuntagging")
def batch_untagging(state, params, body, req):
    return _tagging(state, body, add=False)


@route("cgi-bin/tags/getidlist")
def tags_of_user(state, params, body, req):
    with state.lock:
        return {"tagid_list": sorted(state.user_tags.get(body.get("openid"), ()))}


@route("cgi-bin/user/tag/get")
def users_of_tag(state, params, body, req):
    with state.lock:
        openids = sorted(o for o, t in state.user_tags.items() if body.get("tagid") in t)
    return {"count": len(openids), "data": {"openid": openids}, "next_openid": ""}


# -- comments (index counts from 0; count must be below 50) -----------------------------------
# In list answers `comment_type` is 1 for an elected comment (精选) and 0 otherwise; the request's
# `type` picks 0 all, 1 plain only, 2 elected only. A deleted comment leaves every later page.
LIST_TYPES = {0: (0, 1), 1: (0,), 2: (1,)}

def _comment_key(state, body):
    key = (body.get("msg_data_id"), body.get("index", 0))
    if key not in state.comment_open:
        return None, _err(88000, "without comment privilege")
    return key, None


@route("cgi-bin/comment/open")
def comment_open(state, params, body, req):
    with state.lock:
        state.comment_open.add((body.get("msg_data_id"), body.get("index", 0)))
    return {}


@route("cgi-bin/comment/close")
def comment_close(state, params, body, req):
    with state.lock:
        state.comment_open.discard((body.get("msg_data_id"), body.get("index", 0)))
    return {}


@route("cgi-bin/comment/list")
def comment_list(state, params, body, req):
    if "index" not in body or body.get("count", 0) >= 50 or body.get("count", 0) < 1:
        return _err(47001, "index is required and count must be 1 to 49")
    with state.lock:
        key, error = _comment_key(state, body)
        if error:
            return error
        wanted = LIST_TYPES.get(body.get("type", 0))
        if wanted is None:
            return _err(47001, "type must be 0, 1 or 2")
        comments = [c for c in state.comments.get(key, []) if not c["deleted"] and c["comment_type"] in wanted]
        begin = body.get("begin", 0)
        page = comments[begin:begin + body["count"]]
        return {"total": len(comments), "comment": [
            {k: v for k, v in c.items() if k != "deleted"} for c in page]}


def _find_comment(state, body):
    key, error = _comment_key(state, body)
    if error:
        return None, error
    for comment in state.comments.get(key, []):
        if comment["user_comment_id"] == body.get("user_comment_id") and not comment["deleted"]:
            return comment, None
    return None, _err(40007, "invalid user_comment_id")


def _comment_action(action):
    def handler(state, params, body, req):
        with state.lock:
            comment, error = _find_comment(state, body)
            if error:
                return error
            action(comment, body)
        return {}
    return handler


def _set(field, value):
    return lambda comment, body: comment.update({field: value})


route("cgi-bin/comment/markelect")(_comment_action(_set("comment_type", 1)))
route("cgi-bin/comment/unmarkelect")(_comment_action(_set("comment_type", 0)))
route("cgi-bin/comment/delete")(_comment_action(_set("deleted", True)))
route("cgi-bin/comment/reply/add")(_comment_action(
    lambda c, body: c.update(reply={"content": body.get("content", ""), "create_time": int(time.time())})))
route("cgi-bin/comment/reply/delete")(_comment_action(lambda c, body: c.pop("reply", None)))


# -- content security, statistics, QR codes, menu ---------------------------------------------
@route("wxa/msg_sec_check")
def msg_sec_check(state, params, body, req):
    if body.get("version") != 2 or not body.get("openid") or "scene" not in body:
        return _err(47001, "version=2, openid and scene are required")
    content = body.get("content", "")
    risky = any(word in content for word in state.risky_words)
    label = 20006 if risky else 100
    return {"trace_id": "trace-%d" % state.next_id(),
            "result": {"suggest": "risky" if risky else "pass", "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0,
                        "suggest": "risky" if risky else "pass", "label": label}]}


@route("wxa/media_check_async")
def media_check_async(state, params, body, req):
    """The verdict is pushed later (tests push it with tests/support/wechat_push.py: media_check_verdict)."""
    error = _require(body, "media_url", "media_type", "version", "openid", "scene")
    if error:
        return error
    if body["version"] != 2 or body["media_type"] not in (1, 2):
        return _err(47001, "version=2 and media_type 1 or 2 are required")
    trace_id = "trace-%d" % state.next_id()
    with state.lock:
        state.media_checks[trace_id] = body
    return {"trace_id": trace_id}


def _datacube(name):
    def handler(state, params, body, req):
        error = _require(body, "begin_date", "end_date")
        if error:
            return error
        with state.lock:
            rows = [r for r in state.datacube.get(name, [])
                    if body["begin_date"] <= r.get("ref_date", "") <= body["end_date"]]
        return {"list": rows}
    return handler


for _name in ("getarticlesummary", "getarticletotal", "getuserread", "getusershare",
              "getusersummary", "getusercumulate"):
    route("datacube/" + _name)(_datacube(_name))


@route("cgi-bin/qrcode/create")
def qrcode_create(state, params, body, req):
    if body.get("action_name") not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"):
        return _err(40097, "invalid action_name")
    ticket = "ticket-%d" % state.next_id()
    with state.lock:
        state.qrcodes[ticket] = body
    result = {"ticket": ticket, "url": "http://weixin.qq.com/q/%s" % ticket}
    if "LIMIT" not in body["action_name"]:
        result["expire_seconds"] = body.get("expire_seconds", 30)
    return result


@route("cgi-bin/showqrcode", token=False)
def qrcode_show(state, params, body, req):
    if params.get("ticket") not in state.qrcodes:
        return Response("invalid ticket", status=404)
    return Response(PNG, mimetype="image/png")


@route("wxa/getwxacodeunlimit")
def wxacode(state, params, body, req):
    if not body.get("scene"):
        return _err(47001, "scene is required")
    return Response(PNG, mimetype="image/png")


@route("cgi-bin/menu/create")
def menu_create(state, params, body, req):
    if not body.get("button"):
        return _err(40016, "invalid button size")
    with state.lock:
        state.menu = body
    return {}


@route("cgi-bin/menu/get")
def menu_get(state, params, body, req):
    with state.lock:
        return {"menu": state.menu} if state.menu else _err(46003, "menu no exist")


@route("cgi-bin/menu/delete")
def menu_delete(state, params, body, req):
    with state.lock:
        state.menu = None
    return {}
