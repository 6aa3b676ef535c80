"""The words people see for states, levels and staff roles."""
from community.policy import DEFAULT_POLICY

STATE_LABELS = {
    "submitted": "已提交，等待受理",
    "accepted": "已受理",
    "in_progress": "处理中",
    "reopened": "重新处理中",
    "resolved": "已办结，待您确认",
    "closed": "已关闭",
    "rejected": "未予受理",
    "duplicate": "已合并到其他案件",
}
# The chain's words and every staff role's come from the community policy.
LEVEL_LABELS = DEFAULT_POLICY.level_labels
ROLE_LABELS = DEFAULT_POLICY.role_labels

# A case's events as its timeline names them.
EVENT_LABELS = {
    "submitted": "提交", "assigned": "分派", "accepted": "受理", "in_progress": "处理中",
    "escalated": "升级", "resolved": "办结", "confirmed": "确认解决", "reopened": "重新处理",
    "rated": "评价", "rejected": "不予受理", "merged": "合并", "auto_closed": "自动办结",
    "note": "进展", "photo_added": "补充照片", "description_added": "补充说明",
    "location_added": "补充位置",
}
