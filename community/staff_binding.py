"""A staff member's WeChat for the mini-program: the console gives a short-lived one-time code
(to the member themself, or to a manager for a member of their community); the mini-program
sends it with a wx.login() code, and that WeChat then signs in as the member without a password.

Only a code's hash is kept. Binding claims the code with a conditional update, so two phones
racing with one code bind one. Wrong codes are counted like wrong passwords (community.staff)."""
import datetime
import hashlib
import secrets

from community import staff_admin
from community.staff import community_by_role
from linli import limits
from linli.errors import LinliError
from models.db import db
from models.db import utcnow
from models.people import Staff
from models.staff_wechat import StaffBindingCode

CODE_LIFETIME = datetime.timedelta(minutes=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"      # no 0/O, 1/I: read aloud or typed from a screen
CODE_LENGTH = 10                                         # 50 bits
# Failed binds per 15-minute window, as for passwords: from one address, and for one WeChat.
FAILURE_WINDOW = 15 * 60
FAILURE_LIMITS = (("staff-bind-from:%(address)s", 10), ("staff-bind-wx:%(openid)s", 5))


class BindingError(LinliError):
    status = 400


def issue_code(issuer, staff_id=None, community_id=None, now=None):
    """(staff, code): a fresh code for `issuer` themself (no `staff_id`), or for a member of
    `community_id` whose managers include `issuer`. Earlier unused codes of that member expire."""
    if staff_id is None or staff_id == issuer.id:
        staff = issuer
    else:
        if community_id is None or community_by_role(issuer, staff_admin.MANAGER_ROLES, community_id) is None:
            raise BindingError("not_a_manager", "只有社区书记和系统管理员可以为他人生成绑定码", 403)
        staff = staff_admin.managed_staff(community_id, staff_id)    # another community's: 404
    if not staff.active:
        raise BindingError("inactive", "账号已停用，请先启用", 409)
    now = now or utcnow()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with db.atomic():
        StaffBindingCode.update(expires_at=now).where(
            (StaffBindingCode.staff == staff) & StaffBindingCode.used_at.is_null()
            & (StaffBindingCode.expires_at > now)).execute()
        StaffBindingCode.create(staff=staff, code_hash=_digest(code), created_by=issuer, created_at=now,
                                expires_at=now + CODE_LIFETIME)
    return staff, code


def bind(openid, code, address, now=None):
    """Bind the WeChat `openid` to the staff member `code` was made for; returns the Staff."""
    counted = limits.attempts(FAILURE_LIMITS, FAILURE_WINDOW, address=address, openid=openid)
    now = now or utcnow()
    with db.atomic():
        found = StaffBindingCode.get_or_none(StaffBindingCode.code_hash == _digest(_normal(code)))
        if found is None:
            raise BindingError("bad_binding_code", "绑定码不正确，请核对后重新输入")
        if found.used_at is not None:
            raise BindingError("binding_code_used", "该绑定码已使用过，请在工作台重新获取", 410)
        if found.expires_at <= now:
            raise BindingError("binding_code_expired", "绑定码已过期，请在工作台重新获取", 410)
        staff = Staff.get_by_id(found.staff_id)
        if not staff.active:
            raise BindingError("inactive", "账号已停用", 403)
        other = Staff.get_or_none((Staff.mp_openid == openid) & (Staff.id != staff.id))
        if other is not None:
            raise BindingError("wechat_bound_elsewhere",
                               "该微信已绑定另一个工作人员账号（%s），请联系社区管理员" % other.name, 409)
        won = StaffBindingCode.update(used_at=now).where(
            (StaffBindingCode.id == found.id) & StaffBindingCode.used_at.is_null()).execute()
        if not won:
            raise BindingError("binding_code_used", "该绑定码已使用过，请在工作台重新获取", 410)
        # A new phone replaces the old one: one WeChat per member.
        Staff.update(mp_openid=openid).where(Staff.id == staff.id).execute()
    limits.forgive(counted, FAILURE_WINDOW)
    return Staff.get_by_id(staff.id)


def bound_staff(openid):
    """The active staff member this WeChat is bound to, else 401 not_bound."""
    staff = Staff.get_or_none((Staff.mp_openid == openid) & (Staff.active == True))  # noqa: E712
    if staff is None or not openid:
        raise LinliError("not_bound", "该微信尚未绑定工作人员账号，请先输入绑定码", 401)
    return staff


def _normal(code):
    return (code or "").strip().upper().replace(" ", "").replace("-", "")


def _digest(code):
    return hashlib.sha256(code.encode()).hexdigest()
