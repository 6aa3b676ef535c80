"""Who answers for a case: the grid worker of its building's grid."""
from models.people import RoleAssignment
from models.people import Staff


def owner_for(building):
    """The first active grid worker of `building`'s grid, or None (then staff assign it)."""
    if building is None or building.grid_id is None:
        return None
    return (Staff.select().join(RoleAssignment)
            .where((RoleAssignment.grid == building.grid_id)
                   & (RoleAssignment.role == "grid_worker")
                   & (Staff.active == True))  # noqa: E712
            .order_by(RoleAssignment.id).first())
