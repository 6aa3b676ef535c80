"""Texts staff can edit; the code holds the defaults, a row overrides one."""
from models.account import AccountText
from models.db import utcnow

DEFAULTS = {
    "welcome": "欢迎关注{community}！\n遇到问题请直接发来：以“报修”“反映”开头的文字、现场照片或语音都可以，"
               "我们会转给负责的网格员。\n回复“进度”查询您反映问题的办理情况。",
    "default_reply": "您的留言已收到，工作人员会尽快查看。\n反映问题请以“报修”或“反映”开头，"
                     "或直接发送照片、语音；回复“进度”可查询办理情况。",
    "report_help": "反映问题：发送“报修+问题描述”，例如“报修 3号楼电梯不动了”，也可以直接发送照片或语音。"
                   "5分钟内补发的照片和文字会合并为同一个案件。",
    "service_guide": "【办事指南】\n社区服务站：周一至周五 8:30-12:00、14:00-17:30（法定节假日除外）。\n"
                     "常办事项：居住证明、老年优待证、低保和临时救助申请、计生服务、就业登记，请带本人身份证。\n"
                     "反映问题：发送“报修+问题描述”，或直接发送照片、语音。",
    "failure_reply": "您的消息已收到并保存，系统暂时繁忙，工作人员会尽快处理。",
    "filing_limited": "您一小时内反映的问题较多，这条留言已收到并保存，工作人员会逐条查看，"
                      "暂不另建案件。紧急情况请直接拨打社区电话。",
}


def get(key, **values):
    row = AccountText.get_or_none(AccountText.key == key)
    text = row.text if row else DEFAULTS[key]
    return text.format(**values) if values else text


def set_text(key, text):
    if key not in DEFAULTS:
        raise KeyError(key)
    (AccountText.insert(key=key, text=text, updated_at=utcnow())
     .on_conflict(conflict_target=[AccountText.key],
                  update={AccountText.text: text, AccountText.updated_at: utcnow()})
     .execute())
