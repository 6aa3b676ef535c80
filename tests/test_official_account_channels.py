"""How the official account reaches a resident, against an emulator that keeps WeChat's rules:
- the customer-service window since 2023-06: 5 messages within 48 hours of the resident's own
  message, 3 within a minute of a follow, scan or menu tap, nothing opened by other events; a
  notification WeChat refuses (45015) goes by template;
- subscription notices only with the resident's consent per template, and WeChat's delivery
  reports (subscribe_msg_sent_event, TEMPLATESENDJOBFINISH) kept on the notification."""
import datetime
import time

import pytest

from account import outbox
from account.outbox import OutboxError
from cases import workflow
from community.demo import seed_demo
from models.account import InboundMessage
from models.account import OutboundMessage
from models.cases import Case
from models.notifications import Notification
from models.notifications import TemplateConsent
from models.people import Resident
from models.people import Staff
from tests.support.settings import use_settings
from tests.support.wechat_push import WeChat


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
    case = Case.get()
    return case, case.assignee or Staff.get(Staff.username == "tianbing")


def _accept_case():
    """The resident's case accepted; the notification it made them."""
    resident = _resident("o-res")
    case, owner = _case()
    workflow.accept(case, owner)
    return Notification.select().where(Notification.resident == resident).order_by(Notification.id.desc()).first()


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
    wechat, _ = town
    use_settings(WECHAT_REPLY_TEMPLATE_ID="tpl-reply")
    wechat.say(wechat.text("o-res", "报修 3号楼楼道灯不亮"))
    _age(emulator, "o-res", hours=49)
    wechat.say(wechat.xml("o-res", "event", event))
    note = _accept_case()
    assert not _custom_calls(emulator, "o-res")
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


@pytest.mark.parametrize("template, outcome", [("tpl-reply", ("sent", "template", None)),
                                               ("", ("failed", "custom", 45015))])
def test_a_notification_wechat_refuses_for_the_window_goes_by_template(town, emulator, template, outcome):
    # Linli thinks the window is open, WeChat does not (45015): the template still reaches them;
    # without one, WeChat's errcode is kept on the notification.
    wechat, _ = town
    use_settings(WECHAT_REPLY_TEMPLATE_ID=template)
    wechat.say(wechat.text("o-res", "报修 电梯异响"))
    emulator.state.outside_window.add("o-res")
    note = _accept_case()
    assert (note.state, note.channel, note.errcode) == outcome
    assert [c.errcode for c in _custom_calls(emulator, "o-res")] == [45015]


# -- consent and delivery reports ----------------------------------------------------------------
def _event(openid, event, body, when):
    return ("<xml><ToUserName><![CDATA[gh_linli_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
            "<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event>%s</xml>"
            % (openid, when, event, body))


def _consent(openid, event, answers, when):
    """subscribe_msg_popup_event / subscribe_msg_change_event as WeChat sends them."""
    container = {"subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
                 "subscribe_msg_change_event": "SubscribeMsgChangeEvent"}[event]
    items = "".join("<List><TemplateId><![CDATA[%s]]></TemplateId><SubscribeStatusString><![CDATA[%s]]>"
                    "</SubscribeStatusString><PopupScene>2</PopupScene></List>" % a for a in answers)
    return _event(openid, event, "<%s>%s</%s>" % (container, items, container), when)


def _sent_report(openid, template_id, msgid, status, when):
    return _event(openid, "subscribe_msg_sent_event",
                  "<SubscribeMsgSentEvent><List><TemplateId><![CDATA[%s]]></TemplateId><MsgID>%s</MsgID>"
                  "<ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[%s]]></ErrorStatus></List></SubscribeMsgSentEvent>"
                  % (template_id, msgid, status), when)


def _template_report(openid, msgid, status, when):
    return _event(openid, "TEMPLATESENDJOBFINISH",
                  "<MsgID>%s</MsgID><Status><![CDATA[%s]]></Status>" % (msgid, status), when)


@pytest.fixture
def quiet(town, emulator):
    """A resident with a case, who last wrote 49 hours ago: the window is closed."""
    wechat, _ = town
    use_settings(WECHAT_SUBSCRIBE_TEMPLATE_ID="tpl-notice", WECHAT_REPLY_TEMPLATE_ID="tpl-reply")
    wechat.say(wechat.text("o-res", "报修 3号楼楼道灯不亮"))
    _resident("o-res")
    _age(emulator, "o-res", hours=49)
    return wechat, int(time.time())


def test_consent_in_the_popup_brings_a_subscription_notice_and_its_report_is_kept(quiet, emulator):
    # The mistake: subscription-notice events were ignored (and opened a 48-hour window), so the
    # notification went as a customer-service message WeChat refused (45015).
    wechat, now = quiet
    wechat.say(_consent("o-res", "subscribe_msg_popup_event", [("tpl-notice", "accept"), ("tpl-other", "reject")], now))
    note = _accept_case()
    assert (note.state, note.channel, note.template_id) == ("sent", "oa_subscribe", "tpl-notice")
    sent = emulator.calls("cgi-bin/message/subscribe/bizsend")[0].body
    assert (sent["touser"], sent["template_id"]) == ("o-res", "tpl-notice")
    assert sent["data"]["character_string1"]["value"] == Case.get().number
    assert not _custom_calls(emulator, "o-res")
    wechat.say(_sent_report("o-res", "tpl-notice", "1700827132819554304", "success", now + 5))
    note = Notification.get_by_id(note.id)
    assert (note.delivery, note.msgid) == ("success", "1700827132819554304") and note.reported_at


def test_a_rejection_in_notice_settings_wins_over_an_older_consent(quiet, emulator):
    wechat, now = quiet
    wechat.say(_consent("o-res", "subscribe_msg_popup_event", [("tpl-notice", "accept")], now))
    wechat.say(_consent("o-res", "subscribe_msg_change_event", [("tpl-notice", "reject")], now + 10))
    # WeChat's late retry of an older popup answer does not undo the newer rejection.
    wechat.say(_consent("o-res", "subscribe_msg_popup_event", [("tpl-notice", "accept")], now + 5))
    assert TemplateConsent.get().state == "reject"
    note = _accept_case()
    assert (note.state, note.channel) == ("sent", "template")
    assert not emulator.calls("cgi-bin/message/subscribe/bizsend")


def test_a_template_report_is_kept_and_a_user_block_stops_templates(quiet, emulator):
    wechat, now = quiet
    note = _accept_case()
    assert (note.channel, note.template_id) == ("template", "tpl-reply") and note.msgid
    wechat.say(_template_report("o-res", note.msgid, "failed:user block", now + 5))
    assert Notification.get_by_id(note.id).delivery == "failed:user block"
    # They blocked our template messages: the next notification does not go that way.
    case, owner = _case()
    workflow.resolve(Case.get_by_id(case.id), owner, "已更换灯泡")
    later = Notification.select().where(Notification.kind == "resolved").get()
    assert later.state == "skipped"
    assert len(emulator.calls("cgi-bin/message/template/send")) == 1


def test_a_consent_wechat_says_is_used_up_falls_back_to_the_template(quiet, emulator):
    # A one-time subscription is spent by its first notice: WeChat answers 43101 to the next.
    wechat, now = quiet
    wechat.say(_consent("o-res", "subscribe_msg_popup_event", [("tpl-notice", "accept")], now))
    emulator.state.notice_consent[("o-res", "tpl-notice")] = "spent"
    note = _accept_case()
    assert (note.state, note.channel) == ("sent", "template")
    assert TemplateConsent.get().state == "spent"
    assert [c.errcode for c in emulator.calls("cgi-bin/message/subscribe/bizsend")] == [43101]
