"""The outbound layer (wechat/outbound): template fields cut to what WeChat accepts, in one place
for every sender."""
from wechat.outbound.delivery import send
from wechat.outbound.payload import Message
from wechat.outbound.payload import fit
from wechat.outbound.payload import template


def test_a_thing_longer_than_twenty_characters_shows_its_cut():
    assert fit("thing3", "长" * 21) == "长" * 19 + "…"
    assert fit("thing1", "长" * 20) == "长" * 20


def test_kinds_that_allow_no_ellipsis_are_cut_short():
    # A phrase is at most 5 Chinese characters, a character_string 32 ASCII ones: "…" is neither.
    assert fit("phrase2", "已提交，等待受理") == "已提交，等"
    assert fit("character_string1", "R" * 40) == "R" * 32


def test_kinds_without_a_length_rule_are_left_as_they_are():
    assert fit("time4", "2026-05-01 09:30") == "2026-05-01 09:30"
    assert fit("keyword1", "长" * 50) == "长" * 50


def test_a_template_not_configured_is_no_form_of_the_message():
    assert template("", {"thing1": "楼道灯不亮"}) is None
    form = template("tpl-x", {"thing1": "楼道灯不亮", "number2": 3}, page="pages/case/detail")
    assert (form.template_id, form.data, form.page) == (
        "tpl-x", {"thing1": {"value": "楼道灯不亮"}, "number2": {"value": "3"}}, "pages/case/detail")


def test_a_channel_the_message_has_no_form_for_is_passed_over_not_crashed_on():
    # A staff reply queued as a template message while WECHAT_REPLY_TEMPLATE_ID was set, sent
    # after an operator cleared it: no template form is left. Sending must not raise (the row
    # would be retried and stay queued for ever); with no channel left it is simply not sent.
    tried = []
    assert send(object(), Message(text="已处理", template=None), ["template"],
                on_try=lambda channel, form: tried.append(channel)) is None
    assert tried == []
