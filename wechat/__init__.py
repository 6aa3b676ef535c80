"""Outbound WeChat: clients built from settings and the token store every process shares."""
from wechat.client import LinliWeChatClient
from wechat.token_store import make_token_store

_clients = {}


def make_clients(settings, token_store=None):
    """(official_account, miniprogram) clients; either may be unconfigured (empty appid),
    and raises WeChatNotConfigured when used."""
    store = token_store or make_token_store(settings.REDIS_URL, settings.REDIS_NAMESPACE)
    official = LinliWeChatClient(settings.WECHAT_APPID, settings.WECHAT_SECRET, store,
                                 api_base=settings.WECHAT_API_BASE, timeout=settings.WECHAT_TIMEOUT)
    mini = LinliWeChatClient(settings.MINIPROGRAM_APPID, settings.MINIPROGRAM_SECRET, store,
                             api_base=settings.WECHAT_API_BASE, timeout=settings.WECHAT_TIMEOUT)
    return official, mini


def configure(settings):
    """The process's clients (create_app calls this); tasks reach them through official()."""
    _clients["official"], _clients["miniprogram"] = make_clients(settings)
    return _clients["official"], _clients["miniprogram"]


def official():
    return _clients["official"]


def miniprogram():
    return _clients["miniprogram"]
