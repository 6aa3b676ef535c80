"""WeChat APIs that wechatpy 1.8.18 lacks, written the way wechatpy writes its own."""
from wechatpy.client.api.base import BaseWeChatAPI


class WeChatStableToken(BaseWeChatAPI):
    """POST cgi-bin/stable_token: every caller gets the same token while it is valid, so
    fetches from several hosts do not invalidate each other (unlike cgi-bin/token)."""

    def fetch(self, force_refresh=False):
        return self._post("stable_token", data={
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": force_refresh,
        })


class WeChatDraft(BaseWeChatAPI):
    """draft/*: articles are drafted, then published (material/add_news is retired, 45103)."""

    def add(self, articles):
        return self._post("draft/add", data={"articles": articles},
                          result_processor=lambda r: r["media_id"])

    def update(self, media_id, index, article):
        return self._post("draft/update", data={"media_id": media_id, "index": index,
                                                "articles": article})

    def get(self, media_id):
        return self._post("draft/get", data={"media_id": media_id},
                          result_processor=lambda r: r["news_item"])

    def delete(self, media_id):
        return self._post("draft/delete", data={"media_id": media_id})

    def batchget(self, offset=0, count=20, no_content=False):
        return self._post("draft/batchget", data={"offset": offset, "count": count,
                                                  "no_content": int(no_content)})

    def count(self):
        return self._get("draft/count", result_processor=lambda r: r["total_count"])


class WeChatFreePublish(BaseWeChatAPI):
    """freepublish/*: publish a draft; the result arrives as PUBLISHJOBFINISH or via get()."""

    def submit(self, media_id):
        return self._post("freepublish/submit", data={"media_id": media_id},
                          result_processor=lambda r: r["publish_id"])

    def get(self, publish_id):
        return self._post("freepublish/get", data={"publish_id": publish_id})

    def delete(self, article_id, index=0):
        return self._post("freepublish/delete", data={"article_id": article_id, "index": index})

    def getarticle(self, article_id):
        return self._post("freepublish/getarticle", data={"article_id": article_id},
                          result_processor=lambda r: r["news_item"])

    def batchget(self, offset=0, count=20, no_content=False):
        return self._post("freepublish/batchget", data={"offset": offset, "count": count,
                                                        "no_content": int(no_content)})


class WeChatSecurity(BaseWeChatAPI):
    """msgSecCheck v2 (wechatpy 1.8 has only v1): needs the mini-program openid of someone seen
    in the last 2 hours and a scene (1 profile, 2 comment, 3 forum, 4 social log)."""
    API_BASE_URL = "https://api.weixin.qq.com/"

    def msg_sec_check(self, openid, content, scene=1):
        return self._post("wxa/msg_sec_check", data={"openid": openid, "scene": scene,
                                                     "version": 2, "content": content},
                          result_processor=lambda r: r["result"])

    def media_check_async(self, openid, media_url, media_type=2, scene=1):
        """mediaCheckAsync v2 (media_type 1 audio, 2 image): the verdict comes later, pushed to
        the mini-program's message URL as `wxa_media_check` with this trace_id."""
        return self._post("wxa/media_check_async", data={"media_url": media_url, "media_type": media_type,
                                                         "version": 2, "openid": openid, "scene": scene},
                          result_processor=lambda r: r["trace_id"])


class WeChatSubscribeNotice(BaseWeChatAPI):
    """message/subscribe/bizsend: the official account's subscription notices (订阅通知), sent only
    with the resident's consent to the template (43101 without). WeChat answers no msgid; the
    outcome arrives later as subscribe_msg_sent_event."""

    def send(self, openid, template_id, data, page=None, miniprogram=None):
        body = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        if miniprogram:
            body["miniprogram"] = miniprogram
        return self._post("message/subscribe/bizsend", data=body)


class WeChatComment(BaseWeChatAPI):
    """cgi-bin/comment/* on a mass-sent article (msg_data_id, index). wechatpy's helpers default to
    index=1 and count=50; comments' index counts from 0 and a count of 50 or more is refused, so
    both are always passed here."""
    PAGE = 49

    def list(self, msg_data_id, index, begin, count=PAGE, type=0):
        return self._post("comment/list", data={"msg_data_id": int(msg_data_id), "index": index,
                                                "begin": begin, "count": count, "type": type})

    def act(self, action, msg_data_id, index, user_comment_id, **extra):
        """markelect, unmarkelect, delete, reply/add (content=...), reply/delete."""
        return self._post("comment/" + action, data={"msg_data_id": int(msg_data_id), "index": index,
                                                     "user_comment_id": user_comment_id, **extra})


class WeChatMass(BaseWeChatAPI):
    """Mass send with `filter.tag_id` (wechatpy 1.8 still sends the legacy group_id) and a
    clientmsgid, which WeChat uses to drop a repeat within 24 hours."""

    def send_all(self, message, tag_id=None, client_msg_id=None):
        target = {"is_to_all": True} if tag_id is None else {"is_to_all": False, "tag_id": tag_id}
        return self._post("message/mass/sendall", data=dict(message, filter=target, clientmsgid=client_msg_id))

    def preview(self, message, openid):
        return self._post("message/mass/preview", data=dict(message, touser=openid))


class WeChatDatacube(BaseWeChatAPI):
    """datacube/* for one day (begin = end), answering the rows."""
    API_BASE_URL = "https://api.weixin.qq.com/"

    def day(self, name, day):
        date = day.isoformat()
        return self._post("datacube/" + name, data={"begin_date": date, "end_date": date},
                          result_processor=lambda r: r.get("list", []))
