"""The red card in the console: merchants, campaigns (approve, launch, pause, end) and figures."""
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from console.access import MANAGER_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from coupons import campaigns as campaign_domain
from coupons import merchants as merchant_domain
from coupons import stats
from models.coupons import Campaign
from models.merchants import Merchant

# A campaign's state as staff read it (models.coupons.CAMPAIGN_STATES).
CAMPAIGN_STATE_LABELS = {"draft": "待审批", "approved": "已批准", "live": "进行中", "paused": "已暂停",
                         "ended": "已结束"}


@bp.get("/redcard")
@signed_in(*MANAGER_ROLES)
def redcard():
    community_id = staff_community()
    rows = Campaign.select().where(Campaign.community == community_id).order_by(Campaign.id.desc())
    return render_template("console/redcard.html", campaigns=rows, totals=stats.community_totals(community_id),
                           campaign_states=CAMPAIGN_STATE_LABELS,
                           merchants=(Merchant.select().where(Merchant.community == community_id)
                                      .order_by(Merchant.name)))


@bp.get("/redcard/campaigns/<int:campaign_id>")
@signed_in(*MANAGER_ROLES)
def campaign(campaign_id):
    found = campaign_domain.get(campaign_id)
    merchant_domain.managed_community(g.staff, found.community_id)
    return render_template("console/campaign.html", campaign=found, figures=stats.campaign_stats(found),
                           campaign_states=CAMPAIGN_STATE_LABELS)


@bp.post("/redcard/campaigns/<int:campaign_id>/<action>")
@signed_in(*MANAGER_ROLES)
def campaign_action(campaign_id, action):
    campaign_domain.act(campaign_domain.get(campaign_id), action, staff=g.staff)
    flash("活动已更新", "ok")
    return redirect(request.referrer or url_for("console.redcard"), code=303)


@bp.post("/redcard/merchants")
@signed_in(*MANAGER_ROLES)
def onboard_merchant():
    form = request.form
    merchant_domain.onboard(g.staff, form.get("name", ""), form.get("address", ""), form.get("category", ""),
                            form.get("contact_name", ""), form.get("contact_phone", ""))
    flash("已添加商家", "ok")
    return redirect(url_for("console.redcard"), code=303)


@bp.post("/redcard/merchants/<int:merchant_id>/staff")
@signed_in(*MANAGER_ROLES)
def merchant_staff(merchant_id):
    merchant = Merchant.get_or_none((Merchant.id == merchant_id) & (Merchant.community == staff_community()))
    if merchant is None:
        abort(404)
    person, code = merchant_domain.add_staff(g.staff, merchant, request.form.get("name", ""),
                                             request.form.get("role", ""))
    flash("%s 的绑定码：%s（24 小时内有效，只显示这一次）" % (person.name, code), "ok")
    return redirect(url_for("console.redcard"), code=303)
