"""The words residents see for states and levels."""
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
LEVEL_LABELS = {1: "网格员", 2: "片区负责人", 3: "社区书记", 4: "街道网格中心"}
