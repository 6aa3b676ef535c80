"""JSON shapes of the mini-program API. Times are ISO 8601 in Asia/Shanghai (+08:00)."""
from coupons import codes
from linli.clock import local
from cases.labels import LEVEL_LABELS
from cases.labels import STATE_LABELS
from cases.queries import mask

EVENT_LABELS = {
    "submitted": "提交", "assigned": "分派", "accepted": "受理", "in_progress": "处理中",
    "escalated": "升级", "resolved": "办结", "confirmed": "确认解决", "reopened": "重新处理",
    "rated": "评价", "rejected": "不予受理", "merged": "合并", "auto_closed": "自动办结",
    "note": "进展", "photo_added": "补充照片", "description_added": "补充说明",
    "location_added": "补充位置",
}


def when(value):
    return local(value).isoformat(timespec="seconds") if value else None


def resident_json(resident):
    return {"id": resident.id, "nickname": resident.nickname, "phone": resident.phone or None,
            "address": {"building_id": resident.building_id, "unit_id": resident.unit_id,
                        "room": resident.room, "state": resident.address_state}}


def case_summary(case):
    return {"number": case.number, "state": case.state, "state_label": STATE_LABELS[case.state],
            "level": case.level, "owner": LEVEL_LABELS[case.level],
            "category_id": case.category_id, "description": case.description,
            "created_at": when(case.created_at), "resolve_due_at": when(case.resolve_due_at)}


def case_detail(case, timeline):
    return dict(case_summary(case),
                anonymous=case.anonymous, rating=case.rating,
                photos=visible_photos(case),
                location={"lat": case.location_x, "lng": case.location_y, "label": case.location_label}
                if case.location_x is not None else None,
                timeline=[{"kind": e.kind, "label": EVENT_LABELS.get(e.kind, e.kind),
                           "note": e.note if e.kind != "submitted" else "", "at": when(e.created_at)}
                          for e in timeline])


def staff_case_detail(case, timeline, can_act):
    """For staff: the reporter (even when anonymous to the public), internal notes, actors."""
    reporter = case.reporter
    return dict(case_summary(case),
                can_act=can_act, assignee=case.assignee.name if case.assignee_id else None,
                building=case.building.label if case.building_id else None,
                reporter={"id": reporter.id, "nickname": reporter.nickname, "phone": reporter.phone,
                          "room": reporter.room} if reporter else None,
                anonymous=case.anonymous, photos=[p.url for p in case.photos],
                response_due_at=when(case.response_due_at), responded_at=when(case.responded_at),
                timeline=[{"kind": e.kind, "label": EVENT_LABELS.get(e.kind, e.kind), "note": e.note,
                           "public": e.public, "at": when(e.created_at),
                           "by": e.actor_staff.name if e.actor_staff_id else None}
                          for e in timeline])


def board_entry(case):
    """Public: no reporter, no unit or room, long numbers masked."""
    return {"number": case.number, "category": case.category.name if case.category_id else "未分类",
            "building": case.building.label if case.building_id else None,
            "summary": mask(case.description), "resolved_at": when(case.resolved_at)}


def page(total, items, page_number, size):
    return {"total": total, "page": page_number, "size": size, "items": items}


# -- red card ---------------------------------------------------------------------------------
def merchant_json(merchant):
    return {"id": merchant.id, "name": merchant.name, "address": merchant.address, "category": merchant.category,
            "contact_name": merchant.contact_name, "contact_phone": merchant.contact_phone,
            "status": merchant.status}


def campaign_json(campaign, held=None):
    body = {"id": campaign.id, "merchant_id": campaign.merchant_id, "merchant": campaign.merchant.name,
            "title": campaign.title, "kind": campaign.kind, "value_fen": campaign.value_fen,
            "threshold_fen": campaign.threshold_fen, "discount_percent": campaign.discount_percent,
            "total_stock": campaign.total_stock, "claimed": campaign.claimed,
            "remaining": campaign.total_stock - campaign.claimed,
            "per_resident_limit": campaign.per_resident_limit, "per_day_limit": campaign.per_day_limit,
            "claim_starts_at": when(campaign.claim_starts_at), "claim_ends_at": when(campaign.claim_ends_at),
            "valid_from": when(campaign.valid_from), "valid_until": when(campaign.valid_until),
            "valid_days": campaign.valid_days, "rules": campaign.rules, "state": campaign.state}
    if held is not None:
        body["held"] = held
    return body


def coupon_json(coupon, qr=None):
    campaign = coupon.campaign
    body = {"id": coupon.id, "code": codes.display(coupon.code), "state": coupon.state,
            "campaign": {"id": campaign.id, "title": campaign.title, "kind": campaign.kind,
                         "merchant": campaign.merchant.name, "value_fen": campaign.value_fen,
                         "threshold_fen": campaign.threshold_fen, "discount_percent": campaign.discount_percent,
                         "rules": campaign.rules},
            "claimed_at": when(coupon.claimed_at), "valid_from": when(coupon.valid_from),
            "expires_at": when(coupon.expires_at), "redeemed_at": when(coupon.redeemed_at)}
    if qr is not None:
        body["qr"] = qr
    return body


def redeemed_json(coupon):
    """What the counter sees: the coupon and the resident's masked name, nothing more."""
    nickname = coupon.resident.nickname or "居民"
    return {"code": coupon.code, "state": coupon.state, "campaign_id": coupon.campaign_id,
            "title": coupon.campaign.title, "resident": nickname[:1] + "*" * max(len(nickname) - 1, 1),
            "order_fen": coupon.order_fen, "redeemed_at": when(coupon.redeemed_at)}


def visible_photos(case):
    """A case's photos as residents see them: without those WeChat's media check flagged."""
    return [p.url for p in case.photos if not p.held]
