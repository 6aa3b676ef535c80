"""Links a text reply may carry into the mini-program. WeChat opens a text reply's
`<a data-miniprogram-appid data-miniprogram-path>` in the mini-program (the href is for clients
that cannot); without a mini-program configured there is nothing to link, and the text says
where to go instead."""
from html import escape

from linli import config


def miniprogram(path, label):
    """The link to the mini-program's `path`, or "" when no mini-program is configured."""
    appid = config.active().MINIPROGRAM_APPID
    if not appid:
        return ""
    return ('<a href="https://mp.weixin.qq.com" data-miniprogram-appid="%s" data-miniprogram-path="%s">%s</a>'
            % (escape(appid), escape(path), escape(label)))
