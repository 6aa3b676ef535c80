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
