"""Merchants, onboarded by community staff, and the owner and clerks who serve at their
counter, each bound to their own WeChat by a one-time code."""
import datetime
import hashlib
import secrets

from community.staff import community_by_role
from community.staff_admin import MANAGER_ROLES
from linli import limits
from linli.errors import LinliError
from models.db import db
from models.db import utcnow
from models.merchants import MERCHANT_STATES
from models.merchants import Merchant
from models.merchants import MerchantStaff

MANAGERS = MANAGER_ROLES       # the community's managers run its red card
BINDING_LIFETIME = datetime.timedelta(hours=24)


class RedCardError(LinliError):
    status = 409


class NotAllowed(LinliError):
    status = 403


class NotFound(LinliError):
    status = 404


def managed_community(staff, community_id=None):
    """The community whose red card `staff` runs, or NotAllowed."""
    community = community_by_role(staff, MANAGERS, community_id)
    if community is None:
        raise NotAllowed("not_a_manager", "只有社区书记和管理员可以管理社区红卡")
    return community


def onboard(staff, name, address="", category="", contact_name="", contact_phone=""):
    community_id = managed_community(staff)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise LinliError("bad_name", "商家名称应为 1–100 个字")
    if Merchant.select().where((Merchant.community == community_id) & (Merchant.name == name)).exists():
        raise RedCardError("merchant_exists", "本社区已有同名商家")
    return Merchant.create(community=community_id, name=name, address=address[:200], category=category[:50],
                           contact_name=contact_name[:50], contact_phone=contact_phone[:20], status="active")


def set_status(staff, merchant, status):
    managed_community(staff, merchant.community_id)
    if status not in MERCHANT_STATES:
        raise LinliError("bad_status", "商家状态应为 %s 之一" % "、".join(MERCHANT_STATES))
    Merchant.update(status=status).where(Merchant.id == merchant.id).execute()
    merchant.status = status
    return merchant


def add_staff(staff, merchant, name, role, now=None):
    """A new owner or clerk and their one-time binding code (shown once, stored hashed)."""
    managed_community(staff, merchant.community_id)
    if role not in ("owner", "clerk"):
        raise LinliError("bad_role", "商家人员角色应为 owner 或 clerk")
    if not (name or "").strip():
        raise LinliError("bad_name", "请填写姓名")
    code = secrets.token_hex(5).upper()               # 40 bits, single use, 24 hours
    person = MerchantStaff.create(merchant=merchant, name=name.strip()[:50], role=role,
                                  binding_code_hash=_digest(code),
                                  binding_expires_at=(now or utcnow()) + BINDING_LIFETIME)
    return person, code


# A binding code is 40 bits; guesses are counted like passwords' (linli.limits.attempts), by the
# WeChat and by the address, and a right one is forgiven.
BIND_WINDOW = 15 * 60
BIND_LIMITS = (("merchant-bind-from:%(address)s", 10), ("merchant-bind-wx:%(openid)s", 5))


def bind(openid, code, now=None, address=""):
    """Bind the WeChat user `openid` to the merchant staff the binding code was made for."""
    counted = limits.attempts(BIND_LIMITS, BIND_WINDOW, address=address, openid=openid)
    person = _bind(openid, code, now or utcnow())
    limits.forgive(counted, BIND_WINDOW)
    return person


def _bind(openid, code, now):
    with db.atomic():
        person = MerchantStaff.get_or_none(MerchantStaff.binding_code_hash == _digest((code or "").strip().upper()))
        if person is None or person.binding_expires_at < now or not person.active:
            raise LinliError("bad_binding_code", "绑定码无效或已过期，请联系社区重新获取", 400)
        if MerchantStaff.select().where((MerchantStaff.merchant == person.merchant_id)
                                        & (MerchantStaff.openid == openid)).exists():
            raise RedCardError("already_bound", "该微信已绑定本商家")
        # Conditional on the code still being there: two phones racing with one code, one wins.
        won = (MerchantStaff.update(openid=openid, bound_at=now, binding_code_hash=None, binding_expires_at=None)
               .where((MerchantStaff.id == person.id) & MerchantStaff.binding_code_hash.is_null(False))
               .execute())
        if not won:
            raise LinliError("bad_binding_code", "绑定码无效或已过期，请联系社区重新获取", 400)
    return MerchantStaff.get_by_id(person.id)


def staff_for(openid, merchant_id=None):
    """The active merchant staff row of `openid` (at `merchant_id` when they serve several)."""
    query = MerchantStaff.select().where((MerchantStaff.openid == openid) & (MerchantStaff.active == True))  # noqa: E712
    if merchant_id is not None:
        query = query.where(MerchantStaff.merchant == merchant_id)
    rows = list(query.limit(2))
    if not rows:
        raise LinliError("not_merchant_staff", "该微信未绑定任何商家", 401)
    if len(rows) > 1:
        raise LinliError("choose_merchant", "该微信绑定了多个商家，请指定 merchant_id", 400)
    return rows[0]


def require_owner(person):
    if person.role != "owner":
        raise NotAllowed("owner_only", "只有店主可以进行此操作")


def _digest(code):
    return hashlib.sha256(code.encode()).hexdigest()
