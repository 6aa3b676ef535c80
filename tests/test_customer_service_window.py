"""WeChat's customer-service window since 2023-06, against an emulator that enforces it: 5
messages within 48 hours of the resident's own message, 3 within a minute of a follow, scan or
menu tap, nothing opened by other events; a notification WeChat refuses (45015) goes by template."""
import datetime

import pytest

from account import outbox
from account.outbox import OutboxError
from community.demo import seed_demo
from models.account import InboundMessage
from models.account import OutboundMessage
from models.notifications import Notification
from models.people import Resident
from models.people import Staff
from models.reports import Report
from reports import workflow
from tests.conftest import use_settings
from tests.wechat_push import WeChat


@pytest.fixture
def town(client, database, emulator):
    seed_demo()
    return WeChat(client, emulator=emulator), Staff.get(Staff.username == "grid1")


def _resident(openid):
    # A follower whose follow was never recorded is item 12's business: they follow here.
    Resident.update(subscribed=True).where(Resident.oa_openid == openid).execute()
    return Resident.get(Resident.oa_openid == openid)


def _age(emulator, openid, **delta):
    """As if `delta` had passed since everything the resident and we did."""
    delta = datetime.timedelta(**delta)
    resident = _resident(openid)
    rows = list(InboundMessage.select().where(InboundMessage.openid == openid))
    rows += [r for model in (OutboundMessage, Notification) for r in model.select().where(model.resident == resident)]
    for row in rows:
        for field in ("received_at", "created_at", "sent_at"):
            if getattr(row, field, None) is not None:
                setattr(row, field, getattr(row, field) - delta)
        row.save()
    emulator.age(openid, delta.total_seconds())


def _case():
    case = Report.get()
    return case, case.assignee or Staff.get(Staff.username == "tianbing")


def _custom_calls(emulator, openid):
    return [c for c in emulator.calls("cgi-bin/message/custom/send") if c.body["touser"] == openid]


@pytest.mark.parametrize("event", [
    {"Event": "TEMPLATESENDJOBFINISH", "MsgID": "200163836", "Status": "success"},
    {"Event": "LOCATION", "Latitude": "38.05", "Longitude": "114.51", "Precision": "65.0"},
    {"Event": "VIEW", "EventKey": "https://example.com/guide"},
])
def test_an_event_that_is_not_the_residents_own_act_opens_no_window(town, emulator, event):
    # The mistake: any push opened a 48-hour window, so after a template's delivery report the
    # next notice went as a customer-service message, WeChat refused it (45015) and it was lost.
    wechat, staff = town
    use_settings(WECHAT_REPLY_TEMPLATE_ID="tpl-reply")
    wechat.say(wechat.text("o-res", "报修 3号楼楼道灯不亮"))
    _resident("o-res")
    _age(emulator, "o-res", hours=49)
    wechat.say(wechat.xml("o-res", "event", event))
    case, owner = _case()
    workflow.accept(case, owner)
    assert not _custom_calls(emulator, "o-res")
    note = Notification.get(Notification.resident == _resident("o-res"))
    assert (note.state, note.channel) == ("sent", "template")
    assert [c.body["touser"] for c in emulator.calls("cgi-bin/message/template/send")] == ["o-res"]


def test_a_follow_allows_three_messages_within_a_minute(town, emulator):
    wechat, staff = town
    wechat.say(wechat.event("o-new", "subscribe"))
    resident = _resident("o-new")
    for n in range(3):
        assert OutboundMessage.get_by_id(outbox.reply(staff, resident, "第%d条" % n).id).state == "sent"
    with pytest.raises(OutboxError) as refused:
        outbox.reply(staff, resident, "第四条")
    assert refused.value.code == "outside_window"
    assert len(_custom_calls(emulator, "o-new")) == 3


def test_a_follow_a_minute_ago_allows_nothing(town, emulator):
    wechat, staff = town
    wechat.say(wechat.event("o-new", "subscribe"))
    _age(emulator, "o-new", seconds=61)
    with pytest.raises(OutboxError):
        outbox.reply(staff, _resident("o-new"), "还在吗")
    assert not _custom_calls(emulator, "o-new")


def test_a_menu_tap_after_five_replies_allows_three_more_and_a_message_five(town, emulator):
    # Allowances do not add up, but a new act of the resident starts its own.
    wechat, staff = town
    wechat.say(wechat.text("o-res", "你好"))
    resident = _resident("o-res")
    for n in range(5):
        outbox.reply(staff, resident, "回复%d" % n)
    with pytest.raises(OutboxError):
        outbox.reply(staff, resident, "第六条")
    wechat.say(wechat.event("o-res", "CLICK", key="MY_CASES"))
    for n in range(3):
        outbox.reply(staff, resident, "点击后%d" % n)
    with pytest.raises(OutboxError):
        outbox.reply(staff, resident, "点击后第四条")
    wechat.say(wechat.text("o-res", "还有一个问题"))
    outbox.reply(staff, resident, "请讲")
    assert len(_custom_calls(emulator, "o-res")) == 9
    assert {m.state for m in OutboundMessage.select()} == {"sent"}


def test_a_notification_wechat_refuses_for_the_window_goes_by_template(town, emulator):
    # Linli thinks the window is open, WeChat does not (45015): the template still reaches them.
    wechat, staff = town
    use_settings(WECHAT_REPLY_TEMPLATE_ID="tpl-reply")
    wechat.say(wechat.text("o-res", "报修 电梯异响"))
    _resident("o-res")
    emulator.state.outside_window.add("o-res")
    case, owner = _case()
    workflow.accept(case, owner)
    note = Notification.get(Notification.resident == _resident("o-res"))
    assert (note.state, note.channel) == ("sent", "template")
    assert [c.errcode for c in _custom_calls(emulator, "o-res")] == [45015]


def test_without_a_template_a_refused_notification_keeps_wechats_errcode(town, emulator):
    wechat, staff = town
    wechat.say(wechat.text("o-res", "报修 电梯异响"))
    _resident("o-res")
    emulator.state.outside_window.add("o-res")
    case, owner = _case()
    workflow.accept(case, owner)
    note = Notification.get(Notification.resident == _resident("o-res"))
    assert (note.state, note.errcode) == ("failed", 45015)
