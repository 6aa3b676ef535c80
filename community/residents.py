"""Residents from the mini-program: login by WeChat code, their phone and their address."""
from wechatpy.exceptions import WeChatClientException

from community.board import service_board
from community.board import unit_board
from community.policy import DEFAULT_POLICY
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Unit
from models.db import INT_MAX
from models.db import db
from models.db import utcnow
from models.households import Household
from models.miniprogram import MpSession
from models.people import Resident
from models.people import RoleAssignment
from wechat import errcodes


class LoginError(LinliError):
    status = 401


class PhoneError(LinliError):
    status = 400


class AddressError(LinliError):
    status = 422


def code_to_session(client, code):
    """WeChat's session ({"openid", "session_key", "unionid"?}) for a wx.login() code."""
    if not code or len(code) > 128:
        raise LoginError("bad_code", "缺少登录凭证 code")
    try:
        return client.wxa.code_to_session(code)
    except WeChatClientException as exc:
        if exc.errcode in errcodes.BAD_ONE_TIME_CODE:
            raise LoginError("bad_code", "登录凭证无效或已使用，请重新登录") from None
        raise


def login_with_code(client, code):
    """Exchange a wx.login() code (single use, 5 minutes) for the Resident it belongs to.
    A resident already known from the official account is found by unionid and linked."""
    session = code_to_session(client, code)
    openid, unionid = session["openid"], session.get("unionid")
    now = utcnow()
    with db.atomic():
        resident = Resident.get_or_none(Resident.mp_openid == openid)
        if resident is None and unionid:
            resident = Resident.get_or_none(Resident.unionid == unionid)
        if resident is None:
            resident = Resident.create(mp_openid=openid, unionid=unionid)
        elif resident.mp_openid != openid or (unionid and resident.unionid != unionid):
            resident.mp_openid, resident.unionid = openid, unionid or resident.unionid
            resident.updated_at = now
            resident.save()
        (MpSession.insert(resident=resident, session_key=session["session_key"], updated_at=now)
         .on_conflict(conflict_target=[MpSession.resident],
                      update={MpSession.session_key: session["session_key"], MpSession.updated_at: now})
         .execute())
    return resident


def bind_phone(client, resident, code):
    """Store the phone number the resident agreed to share (the mini-program's getPhoneNumber
    button gives a one-time `code`), so staff can call back about a case."""
    if not code or len(code) > 128:
        raise PhoneError("bad_code", "缺少手机号凭证 code")
    try:
        info = client.user_phone_number(code)
    except WeChatClientException as exc:
        if exc.errcode in errcodes.BAD_ONE_TIME_CODE:
            raise PhoneError("bad_code", "手机号凭证无效或已使用，请重新授权") from None
        raise
    # The watermark names the app the user consented to; anything else is not ours to keep.
    if info.get("watermark", {}).get("appid") != client.appid:
        raise PhoneError("bad_code", "手机号凭证不属于本小程序")
    phone = info.get("phoneNumber") or ""
    if not phone or len(phone) > 20:
        raise PhoneError("bad_phone", "微信返回的手机号无法识别")
    Resident.update(phone=phone, updated_at=utcnow()).where(Resident.id == resident.id).execute()
    resident.phone = phone
    return resident


def set_address(resident, building_id, unit_id=None, room="", household_id=None):
    """The resident's own claim; it waits for staff or the building leader to confirm. The room
    is chosen from the unit's households (`household_id`; its room is the address's, whatever
    `room` says) or typed where the unit has none loaded."""
    building = Building.get_or_none((Building.id == building_id) & (Building.active == True))  # noqa: E712
    if building is None:
        raise AddressError("unknown_building", "楼栋不存在")
    unit = None
    if unit_id is not None:
        unit = Unit.get_or_none((Unit.id == unit_id) & (Unit.building == building))
        if unit is None:
            raise AddressError("unknown_unit", "单元不属于该楼栋")
    if household_id is not None:
        household = _chosen_room(building, unit, household_id)
        unit, room = household.unit, household.room
    else:
        room = (room or "").strip()
        if len(room) > 20:
            raise AddressError("bad_room", "门牌号不超过20个字符")
        # The typed room's household, when it is known: a member once the address is confirmed.
        household = Household.get_or_none((Household.unit == unit) & (Household.room == room)) if unit else None
    with db.atomic():
        (Resident.update(community=building.community_id, building=building, unit=unit, room=room,
                         household=household, address_state="pending", address_confirmed_by=None,
                         address_confirmed_at=None, updated_at=utcnow())
         .where(Resident.id == resident.id).execute())
        # Who moves away no longer speaks for the household they left (its 户代表 is a member).
        left = Household.representative == resident.id
        if household is not None:
            left &= Household.id != household.id
        Household.update(representative=None, updated_at=utcnow()).where(left).execute()
    return Resident.get_by_id(resident.id)


def _chosen_room(building, unit, household_id):
    """The household a resident chose, which must be a room of the unit chosen (or, without a
    unit, of the building): a stale list or a forged id names another."""
    household = (Household.select(Household, Unit).join(Unit).where(Household.id == household_id).first()
                 if 0 < household_id <= INT_MAX else None)
    if household is None:
        raise AddressError("unknown_household", "所选房间不存在，请重新选择")
    if household.unit.building_id != building.id or (unit is not None and household.unit_id != unit.id):
        raise AddressError("household_not_in_unit", "所选房间不属于该单元，请重新选择")
    return household


# Who on a building's board may confirm an address there (can_confirm_address says the same).
CONFIRMING_ROLES = ("building_leader", "unit_leader", "grid_worker")


def address_view(resident):
    """The resident's address as the resident sees it: where, in words, whether it is
    confirmed, and whom to ask to confirm it (the building's board, then the secretary)."""
    building = resident.building if resident.building_id else None
    # The household's room as staff keep it now (they may correct a label after the claim).
    room = resident.household.room if resident.household_id else resident.room
    label = ""
    confirmers = []
    if building is not None:
        parts = [building.label, resident.unit.name if resident.unit_id else "", room]
        label = " ".join(p for p in parts if p)
        board = unit_board(resident.unit) if resident.unit_id else service_board(building)
        confirmers = [{"role": e.label, "name": e.name} for e in board if e.role in CONFIRMING_ROLES]
        confirmers.append({"role": DEFAULT_POLICY.role_labels["secretary"], "name": ""})
    return {"building_id": resident.building_id, "unit_id": resident.unit_id,
            "household_id": resident.household_id, "room": room,
            "state": resident.address_state, "label": label,
            "community": ({"code": building.community.code, "name": building.community.name}
                          if building is not None else None),
            "confirmers": confirmers}


def can_confirm_address(staff, resident):
    """The building's leader, its unit's leader, its grid's worker, or the community's
    secretary or admin."""
    if resident.building_id is None:
        return False
    building = resident.building
    scope = ((RoleAssignment.building == building.id) & (RoleAssignment.role == "building_leader"))
    if resident.unit_id:
        scope |= (RoleAssignment.unit == resident.unit_id) & (RoleAssignment.role == "unit_leader")
    if building.grid_id:
        scope |= (RoleAssignment.grid == building.grid_id) & (RoleAssignment.role == "grid_worker")
    scope |= ((RoleAssignment.community == building.community_id)
              & RoleAssignment.role.in_(["secretary", "admin"]))
    return RoleAssignment.select().where((RoleAssignment.staff == staff) & scope).exists()


def confirm_address(staff, resident, approve=True):
    if not can_confirm_address(staff, resident):
        raise PermissionDenied("not_your_building", "您无权确认该住户地址")
    won = (Resident.update(address_state="confirmed" if approve else "rejected",
                           address_confirmed_by=staff, address_confirmed_at=utcnow())
           .where((Resident.id == resident.id) & (Resident.address_state == "pending")).execute())
    if won != 1:
        raise AddressError("not_pending", "该地址不在待确认状态", 409)
    return Resident.get_by_id(resident.id)
