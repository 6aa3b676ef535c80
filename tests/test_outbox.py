"""Staff replies to residents: the 48-hour window, the template fallback, and every outcome of
delivery recorded against the WeChat emulator."""
import datetime

import pytest

from account import outbox
from account.outbox import OutboxError
from community.demo import seed_demo
from models.account import InboundMessage
from models.account import OutboundMessage
from models.db import utcnow
from models.people import Resident
from models.people import Staff
from tests.support.settings import use_settings
from tests.support.wechat_push import WeChat
from wechat.outbound.delivery import Unreachable


@pytest.fixture
def people(client, database):
    seed_demo()
    WeChat(client).say(WeChat(client).text("o-res", "报修 楼道灯不亮"))
    Resident.update(subscribed=True).where(Resident.oa_openid == "o-res").execute()
    return Staff.get(Staff.username == "grid1"), Resident.get(Resident.oa_openid == "o-res")


def _sends(emulator):
    return emulator.calls("cgi-bin/message/custom/send")


def test_reply_within_the_window_goes_out_as_a_customer_service_message(people, emulator):
    staff, resident = people
    message = outbox.reply(staff, resident, "您好，明天上午来修", in_reply_to=InboundMessage.get())
    sent = OutboundMessage.get_by_id(message.id)
    assert (sent.kind, sent.state, sent.attempts) == ("custom", "sent", 1)
    call = _sends(emulator)[0]
    assert call.body == {"touser": "o-res", "msgtype": "text", "text": {"content": "您好，明天上午来修"}}


def test_outside_the_window_without_a_template_is_refused_before_anything_is_queued(people, emulator):
    staff, resident = people
    InboundMessage.update(received_at=utcnow() - datetime.timedelta(hours=49)).execute()
    with pytest.raises(OutboxError) as refused:
        outbox.reply(staff, resident, "迟到的回复")
    assert refused.value.code == "outside_window"
    assert OutboundMessage.select().count() == 0 and not _sends(emulator)


def test_outside_the_window_a_configured_template_goes_instead(people, emulator):
    use_settings(WECHAT_REPLY_TEMPLATE_ID="tpl-reply", WECHAT_REPLY_TEMPLATE_FIELD="thing1")
    staff, resident = people
    InboundMessage.update(received_at=utcnow() - datetime.timedelta(hours=49)).execute()
    text = "您反映的3单元楼道灯已经换好新灯泡了，请您回家时查看确认"
    message = outbox.reply(staff, resident, text)
    assert OutboundMessage.get_by_id(message.id).state == "sent"
    call = emulator.calls("cgi-bin/message/template/send")[0]
    assert call.body["template_id"] == "tpl-reply"
    assert call.body["data"]["thing1"]["value"] == text[:19] + "…"     # thing fields: 20 chars
    assert OutboundMessage.get_by_id(message.id).content == text        # the record keeps it all


def test_the_sixth_reply_in_a_window_is_refused(people, emulator):
    staff, resident = people
    for n in range(5):
        outbox.reply(staff, resident, "第%d条" % n)
    with pytest.raises(OutboxError):
        outbox.reply(staff, resident, "第六条")
    assert len(_sends(emulator)) == 5


def test_window_closed_while_queued_falls_back_to_the_template(people, emulator):
    use_settings(WECHAT_REPLY_TEMPLATE_ID="tpl-reply")
    emulator.state.outside_window.add("o-res")
    staff, resident = people
    message = outbox.reply(staff, resident, "收到")
    row = OutboundMessage.get_by_id(message.id)
    assert (row.kind, row.state) == ("template", "sent")


def test_window_closed_while_queued_without_a_template_is_recorded_as_refused(people, emulator):
    emulator.state.outside_window.add("o-res")
    staff, resident = people
    row = OutboundMessage.get_by_id(outbox.reply(staff, resident, "收到").id)
    assert (row.state, row.errcode) == ("refused", 45015)


def test_busy_is_recorded_and_not_retried(people, emulator):
    # -1 may or may not have sent it; a blind retry has duplicated messages elsewhere.
    emulator.fail(-1, path="cgi-bin/message/custom/send")
    staff, resident = people
    row = OutboundMessage.get_by_id(outbox.reply(staff, resident, "收到").id)
    assert (row.state, row.errcode) == ("failed", -1)
    assert len(_sends(emulator)) == 1


def test_timeout_is_recorded_as_unknown_and_not_resent(people, emulator):
    use_settings(WECHAT_TIMEOUT="0.3")
    staff, resident = people
    outbox.reply(staff, resident, "先取一次令牌")
    emulator.slow(1.0, path="cgi-bin/message/custom/send")
    row = OutboundMessage.get_by_id(outbox.reply(staff, resident, "慢").id)
    assert row.state == "unknown"
    outbox.deliver(row.id)
    assert len(_sends(emulator)) == 2          # the first reply and one try of the slow one


def test_unreachable_wechat_is_retried_then_recorded_as_failed(people, emulator):
    staff, resident = people
    emulator.refuse()
    message = OutboundMessage.create(resident=resident, staff=staff, kind="custom", content="稍后")
    with pytest.raises(Unreachable):
        outbox.deliver(message.id)                     # the queue will try again
    assert OutboundMessage.get_by_id(message.id).state == "queued"
    outbox.deliver(message.id, last_try=True)
    row = OutboundMessage.get_by_id(message.id)
    assert (row.state, row.attempts) == ("failed", 2)


def test_unreachable_then_back_delivers_on_the_retry(people, emulator):
    staff, resident = people
    emulator.refuse()
    message = OutboundMessage.create(resident=resident, staff=staff, kind="custom", content="稍后")
    with pytest.raises(Unreachable):
        outbox.deliver(message.id)
    emulator.resume()
    outbox.deliver(message.id)
    assert OutboundMessage.get_by_id(message.id).state == "sent"


def test_delivery_run_twice_sends_once(people, emulator):
    # A consumer killed after sending but before acknowledging runs the task again.
    staff, resident = people
    message = outbox.reply(staff, resident, "只发一次")
    outbox.deliver(message.id)
    assert len(_sends(emulator)) == 1


@pytest.mark.parametrize("text, code", [("   ", "empty_reply"), ("长" * 601, "reply_too_long")])
def test_bad_reply_text_is_refused(people, text, code):
    staff, resident = people
    with pytest.raises(OutboxError) as refused:
        outbox.reply(staff, resident, text)
    assert refused.value.code == code


def test_a_resident_who_left_cannot_be_messaged(people, client):
    staff, resident = people
    WeChat(client).say(WeChat(client).event("o-res", "unsubscribe"))
    with pytest.raises(OutboxError) as refused:
        outbox.reply(staff, Resident.get_by_id(resident.id), "在吗")
    assert refused.value.code == "not_following"
