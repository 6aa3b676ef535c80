"""What the account answers to 志愿 (the menu key VOLUNTEERS, or one of COMMANDS typed or
spoken): the volunteer activities a follower may join, soonest first, with places left or their
own sign-up, and links into the mini-program's activity pages, where signing up takes one tap
(with its idempotency key and the reminder's consent, which a text reply cannot ask for).

It is a reply: a few reads, no WeChat call, within WeChat's 5 seconds."""
from account import links
from account import reply_text
from linli import config
from linli.clock import local
from volunteers import activities

COMMANDS = ("志愿", "志愿者", "志愿服务", "志愿活动", "报名志愿")
SHOWN = 5
LIST_PAGE = "volunteers/activities/index"
STATES = {"confirmed": "您已报名", "waitlisted": "您在候补第%d位"}


def is_query(text):
    return (text or "").strip().rstrip("?？。!！") in COMMANDS


def answer(resident, now):
    if resident.address_state != "confirmed":
        lines = ["【志愿服务】志愿服务队面向本社区居民，请先在小程序中登记住址，社区确认后即可报名。"]
        link = links.miniprogram(config.active().MP_ADDRESS_PAGE, "登记住址")
        return "\n".join(lines + ([link] if link else []))
    coming = activities.upcoming(resident, now)
    if not coming:
        parts = [("【志愿服务】近期没有可报名的志愿活动。有新活动时，服务队会在小程序中发布。", False)]
    else:
        parts = [("【志愿服务】近期的志愿活动（%d项）：" % len(coming), False)]
        page = config.active().MP_VOLUNTEER_PAGE
        for number, activity in enumerate(coming[:SHOWN], 1):
            item = "%d. %s\n   %s · %s\n   %s" % (
                number, reply_text.short(activity.title), local(activity.starts_at).strftime("%m月%d日%H:%M"),
                reply_text.short(activity.place), _standing(resident, activity))
            link = links.miniprogram("%s?id=%d" % (page, activity.id), "查看和报名")
            parts.append((item + ("\n   " + link if link else ""), True))
    parts.append((links.miniprogram(LIST_PAGE, "全部志愿活动") or "报名请在小程序“志愿服务”中进行。", False))
    return reply_text.fit(parts)


def _standing(resident, activity):
    """The resident's own sign-up, or the places left."""
    signup = activities.signup_of(resident, activity)
    if signup is not None and signup.state in STATES:
        text = STATES[signup.state]
        return text % activities.waitlist_position(signup) if "%d" in text else text
    left = activity.capacity - activity.taken
    return "还剩%d个名额" % left if left > 0 else "名额已满，可报名候补"
