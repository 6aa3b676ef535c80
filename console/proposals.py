"""议事 in the console: the community's proposals with the council's agenda first, one proposal
(text, photos, supporting households, comments with the held ones to review, timeline) and the
outcome actions. The actions call the same domain functions as the staff API
(cases/proposals.decide); who may act is cases.proposals.can_decide's rule."""
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from cases import agenda
from cases import proposals as domain
from console.access import PROPOSAL_ROLES
from console.access import staff_community
from console.auth import signed_in
from console.blueprint import bp
from console.forms import integer


@bp.get("/proposals")
@signed_in(*PROPOSAL_ROLES)
def proposals():
    state = request.args.get("state") or None
    page = integer(request.args.get("page")) or 1
    total, found = agenda.listing(staff_community(), state, page=max(1, page))
    labels = {}
    rows = [dict(p=p, scope_label=labels.setdefault(
                (p.scope, p.estate_id, p.building_id, p.unit_id), domain.scope_label(p)),
                 age=agenda.age_days(p)) for p in found]
    return render_template("console/proposals.html", rows=rows, total=total, page=page, state=state,
                           held=agenda.held_counts([p.id for p in found]), states=domain.STATE_LABELS,
                           scopes=domain.SCOPE_LABELS)


@bp.get("/proposals/<int:proposal_id>")
@signed_in(*PROPOSAL_ROLES)
def proposal(proposal_id):
    found = agenda.seen(staff_community(), proposal_id)
    may_decide = domain.can_decide(g.staff, found)
    return render_template(
        "console/proposal.html", p=found, scope_label=domain.scope_label(found), states=domain.STATE_LABELS,
        photos=domain.photos(found), households=agenda.supporting_households(found),
        comments=agenda.all_comments(found), timeline=domain.timeline(found),
        case_number=domain.case_number(found), may_decide=may_decide,
        actions={name: rule for name, rule in domain.ACTIONS.items() if found.state in rule.from_states}
        if may_decide else {},
        others=_merge_targets(found) if may_decide else [])


def _merge_targets(found):
    """The community's other proposals not merged themselves: what it may join."""
    _, candidates = agenda.listing(found.community_id, size=200)
    return [p for p in candidates if p.id != found.id and p.state != "merged"]


@bp.post("/proposals/<int:proposal_id>/<action>")
@signed_in(*PROPOSAL_ROLES)
def proposal_decide(proposal_id, action):
    form = request.form
    found = domain.decide(agenda.seen(staff_community(), proposal_id), g.staff, action, form.get("reason", ""),
                             case_number=form.get("case_number", "").strip() or None,
                             merged_into_id=integer(form.get("merged_into_id")),
                             file_case=form.get("file_case") == "1")
    flash("已记录：%s" % domain.STATE_LABELS[found.state], "ok")
    return redirect(url_for("console.proposal", proposal_id=found.id), code=303)


@bp.post("/proposals/comments/<int:comment_id>/<verdict>")
@signed_in(*PROPOSAL_ROLES)
def proposal_comment_review(comment_id, verdict):
    found = agenda.review_comment(g.staff, staff_community(), comment_id, verdict)
    flash("评论已公开" if verdict == "publish" else "评论已删除", "ok")
    return redirect(url_for("console.proposal", proposal_id=found.id, _anchor="comments"), code=303)
