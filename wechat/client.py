"""wechatpy clients for the official account and the mini-program, on a shared token store.

Two things differ from a plain `wechatpy.WeChatClient`:
- every WeChat URL is sent to WECHAT_API_BASE, so tests and staging talk to the emulator;
- on 40001/40014/42001 the token is replaced only if it is still the one WeChat refused, under
  the store's lease, and the call is retried once. wechatpy's own `auto_retry` refetches on
  every such error in every process and retries without a cap.
"""
import logging

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from linli.errors import LinliError
from wechat import errcodes
from wechat.apis import WeChatComment
from wechat.apis import WeChatDatacube
from wechat.apis import WeChatDraft
from wechat.apis import WeChatFreePublish
from wechat.apis import WeChatMass
from wechat.apis import WeChatSecurity
from wechat.apis import WeChatStableToken
from wechat.apis import WeChatSubscribeNotice

logger = logging.getLogger(__name__)

WECHAT_HOSTS = ("https://api.weixin.qq.com/", "https://mp.weixin.qq.com/")
# Calls authenticated by appid and secret rather than a token.
TOKENLESS = ("cgi-bin/token", "cgi-bin/stable_token", "sns/jscode2session")


class WeChatNotConfigured(LinliError):
    """A WeChat call made with no app id and secret set: the deployment's to fix, so a clear 503
    wherever a request meets it (a console page, an API call), never a 500."""
    status = 503

    def __init__(self, message="微信公众号或小程序尚未配置 AppID 和 AppSecret，请联系管理员"):
        super().__init__("wechat_not_configured", message)


class LinliWeChatClient(WeChatClient):
    draft = WeChatDraft()
    freepublish = WeChatFreePublish()
    stable_token = WeChatStableToken()
    security = WeChatSecurity()
    comments = WeChatComment()
    mass = WeChatMass()
    cube = WeChatDatacube()
    subscribe_notice = WeChatSubscribeNotice()

    def __init__(self, appid, secret, token_store, api_base="https://api.weixin.qq.com", timeout=5.0):
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.api_base = api_base.rstrip("/") + "/"
        self.token_store = token_store

    def _route(self, url_or_endpoint, api_base_url=None):
        url = url_or_endpoint
        if not url.startswith(("http://", "https://")):
            url = (api_base_url or self.API_BASE_URL) + url
        for host in WECHAT_HOSTS:
            if url.startswith(host):
                return self.api_base + url[len(host):]
        return url

    def _request(self, method, url_or_endpoint, **kwargs):
        if not self.appid or not self.secret:
            raise WeChatNotConfigured()
        url = self._route(url_or_endpoint, kwargs.pop("api_base_url", None))
        params = kwargs.setdefault("params", {})
        if url.split("?")[0].endswith(TOKENLESS):
            params["access_token"] = None          # requests drops None-valued parameters
            return super()._request(method, url, **kwargs)
        if "access_token" in params:
            return super()._request(method, url, **kwargs)
        token = params["access_token"] = self.access_token
        try:
            return super()._request(method, url, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode not in errcodes.TOKEN_REFUSED:
                raise
            logger.info("WeChat refused the access token (%s); refreshing once", exc.errcode)
            params["access_token"] = self.token_store.get(self.appid, self._fetch_token, rejected=token)
            for f in (kwargs.get("files") or {}).values():
                # Uploads were read by the first attempt.
                fileobj = f[1] if isinstance(f, tuple) else f
                if hasattr(fileobj, "seek"):
                    fileobj.seek(0)
            return super()._request(method, url, **kwargs)

    def _fetch_token(self):
        result = self.stable_token.fetch()
        return result["access_token"], int(result.get("expires_in", 7200))

    def fetch_access_token(self):
        # wechatpy's own version calls the hard-coded cgi-bin/token outside the store.
        return {"access_token": self.token_store.refresh(self.appid, self._fetch_token)}

    def show_qrcode(self, ticket):
        """The QR code image (PNG bytes). wechatpy's qrcode.show() calls the real host directly."""
        response = self._http.get(self._route("https://mp.weixin.qq.com/cgi-bin/showqrcode"),
                                  params={"ticket": ticket}, timeout=self.timeout)
        response.raise_for_status()
        return response.content

    def user_phone_number(self, code):
        """The phone number behind a mini-program getPhoneNumber `code` (single use, 5 minutes);
        wechatpy 1.8 only knows the retired decrypt-it-yourself way."""
        return self.post("wxa/business/getuserphonenumber", data={"code": code},
                         api_base_url="https://api.weixin.qq.com/")["phone_info"]

    def wxa_code(self, scene, page):
        """A mini-program code (PNG bytes) that opens `page` with `scene` (getwxacodeunlimit: no cap
        on how many). check_path is off so a code can be printed before that page is published."""
        answer = self.post("wxa/getwxacodeunlimit", data={"scene": scene, "page": page, "check_path": False,
                                                          "width": 430}, api_base_url="https://api.weixin.qq.com/")
        return answer.content          # a WeChat error (JSON) has been raised as WeChatClientException

    @property
    def access_token(self):
        return self.token_store.get(self.appid, self._fetch_token)
