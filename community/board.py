"""A building's service board (like the plates with the leaders' phones at each door)."""
import dataclasses

from community.policy import DEFAULT_POLICY
from models.community import Unit
from models.people import RoleAssignment
from models.people import Staff


@dataclasses.dataclass(frozen=True)
class BoardEntry:
    role: str
    label: str          # "楼长", "1单元 单元长"
    name: str
    phone: str          # only the phones staff chose to publish; else ""


def service_board(building):
    """Who serves this building, nearest first: its leaders, its units' leaders, its grid's
    worker and area cadre. Only active staff; phones only where published."""
    units = {u.id: u.name for u in Unit.select().where(Unit.building == building)}
    scope = (RoleAssignment.building == building) & (RoleAssignment.role == "building_leader")
    if units:
        scope |= (RoleAssignment.unit.in_(list(units))) & (RoleAssignment.role == "unit_leader")
    grid_roles = DEFAULT_POLICY.grid_roles
    if building.grid_id:
        scope |= ((RoleAssignment.grid == building.grid_id) & RoleAssignment.role.in_(grid_roles))
    order = ["building_leader", "unit_leader", *grid_roles]
    rows = (RoleAssignment.select(RoleAssignment, Staff).join(Staff)
            .where(scope & (Staff.active == True)).order_by(RoleAssignment.id))  # noqa: E712
    labels, entries = DEFAULT_POLICY.role_labels, []
    for row in sorted(rows, key=lambda r: (order.index(r.role), r.unit_id or 0, r.id)):
        label = labels[row.role]
        if row.role == "unit_leader":
            label = "%s %s" % (units[row.unit_id], label)
        entries.append(BoardEntry(row.role, label, row.staff.name,
                                  row.staff.phone if row.staff.phone_public else ""))
    return entries


def unit_board(unit):
    """The board at one unit's door: the building's, less the other units' leaders."""
    return [e for e in service_board(unit.building)
            if e.role != "unit_leader" or e.label.startswith(unit.name + " ")]


def render_board(building, entries):
    lines = ["【%s服务牌】" % building.label]
    lines += ["%s：%s %s" % (e.label, e.name, e.phone) if e.phone else "%s：%s" % (e.label, e.name)
              for e in entries]
    if len(lines) == 1:
        lines.append("暂未登记服务人员，请直接留言，社区工作人员会回复您。")
    return "\n".join(lines)
