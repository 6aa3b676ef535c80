"""The words people see for states, levels and staff roles."""
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
# Staff roles (DESIGN.md §2), as the console and the service boards name them.
ROLE_LABELS = {"grid_worker": "网格员", "area_cadre": "片区负责人", "building_leader": "楼长",
               "unit_leader": "单元长", "secretary": "社区书记", "street_centre": "街道网格中心",
               "property": "物业", "editor": "宣传编辑", "admin": "系统管理员"}
