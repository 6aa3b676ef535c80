"""GET /api/mp/settings: what the mini-program learns from the server it talks to rather than
being built with, so one build serves any deployment: the subscribe-message templates the
backend sends with (a resident is asked to consent only to a template that will be used)."""
from flask import jsonify
from pydantic import BaseModel
from pydantic import Field

from linli import config
from miniprogram_api.openapi import declare
from miniprogram_api.views import bp

MAX_AGE = 300       # seconds: the settings change only when the service restarts


class SubscribeTemplates(BaseModel):
    case: str | None = Field(description="case progress (MP_CASE_TEMPLATE_ID); null: not sent")
    coupon: str | None = Field(description="red-card coupons (MP_COUPON_TEMPLATE_ID); null: not sent")
    proposal: str | None = Field(None, description="议事 steps (MP_PROPOSAL_TEMPLATE_ID); null: not sent")
    volunteer: str | None = Field(None, description="志愿服务: the day-before reminder, a move up from the waitlist, "
                                                    "an urgent call (MP_VOLUNTEER_TEMPLATE_ID); null: not sent")
    staff_case: str | None = Field(None, description="staff: a case of theirs, new or near its deadline "
                                                     "(MP_STAFF_CASE_TEMPLATE_ID); asked on work/queue; null: not sent")


class ClientSettings(BaseModel):
    subscribe_templates: SubscribeTemplates


@bp.get("/settings")
@declare(ClientSettings)
def client_settings():
    """What the mini-program asks at start: the subscribe-message templates in use (public)"""
    settings = config.active()
    response = jsonify({"subscribe_templates": {"case": settings.MP_CASE_TEMPLATE_ID or None,
                                                "coupon": settings.MP_COUPON_TEMPLATE_ID or None,
                                                "proposal": settings.MP_PROPOSAL_TEMPLATE_ID or None,
                                                "volunteer": settings.MP_VOLUNTEER_TEMPLATE_ID or None,
                                                "staff_case": settings.MP_STAFF_CASE_TEMPLATE_ID or None}})
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response
