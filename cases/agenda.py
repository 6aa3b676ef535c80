"""议事 as staff see them: the community's proposals with the council's agenda first, one
proposal with its supporting households and every comment (held ones marked), and the review
of held comments.

Every staff member with a proposal role in the community sees its proposals (they are public to
their scopes); acting on one (an outcome, a held comment) is cases/proposals.can_decide's rule:
the community's secretary and admin, and the grid's worker for a unit's or a building's."""
from peewee import Case as When
from peewee import fn

from cases import proposals
from linli.errors import LinliError
from linli.errors import PermissionDenied
from models.community import Building
from models.community import Unit
from models.db import utcnow
from models.households import Household
from models.proposals import STATES
from models.proposals import Proposal
from models.proposals import ProposalComment
from models.proposals import ProposalSupport

# The council's agenda first, then what still gathers support, then the decided.
ORDER = When(None, ((Proposal.state == "on_agenda", 0), (Proposal.state == "open", 1)), 2)


def listing(community_id, state=None, page=1, size=30):
    """(total, proposals) of the community, one state if given: on the agenda first (longest
    waiting first), then open ones and the decided, newest first."""
    if state is not None and state not in STATES:
        raise LinliError("bad_state", "未知状态", 400)
    where = Proposal.community == community_id
    if state:
        where &= Proposal.state == state
    query = Proposal.select().where(where)
    ordered = query.order_by(ORDER, Proposal.on_agenda_at, Proposal.created_at.desc(), Proposal.id.desc())
    return query.count(), list(ordered.paginate(page, size))


def held_counts(proposal_ids):
    """{proposal id: held comments waiting for review}."""
    if not proposal_ids:
        return {}
    rows = (ProposalComment.select(ProposalComment.proposal, fn.COUNT(ProposalComment.id).alias("n"))
            .where(ProposalComment.proposal.in_(list(proposal_ids)) & (ProposalComment.state == "held"))
            .group_by(ProposalComment.proposal))
    return {row.proposal_id: row.n for row in rows}


def age_days(proposal, now=None):
    return max(0, ((now or utcnow()) - proposal.created_at).days)


def seen(staff_community, proposal_id):
    """The proposal of the staff member's community; 404 for another's (it is not revealed)."""
    proposal = Proposal.get_or_none((Proposal.id == proposal_id) & (Proposal.community == staff_community))
    if proposal is None:
        raise LinliError("not_found", "议事不存在", 404)
    return proposal


def supporting_households(proposal):
    """The households supporting it, in the order they joined: (label, when)."""
    rows = (ProposalSupport.select(ProposalSupport, Household, Unit, Building)
            .join(Household).join(Unit).join(Building)
            .where(ProposalSupport.proposal == proposal).order_by(ProposalSupport.id))
    return [("%s %s %s" % (s.household.unit.building.name, s.household.unit.name, s.household.room), s.created_at)
            for s in rows]


def all_comments(proposal):
    """Every comment, the held ones included, oldest first."""
    return list(ProposalComment.select().where(ProposalComment.proposal == proposal).order_by(ProposalComment.id))


REVIEWS = ("publish", "delete")


def review_comment(staff, community_id, comment_id, verdict):
    """Publish a held comment to the scope, or delete it. Only a held one: a comment already
    shown or reviewed by someone else is answered comment_reviewed (409), nothing changed."""
    if verdict not in REVIEWS:
        raise LinliError("unknown_action", "未知操作", 404)
    found = (ProposalComment.select(ProposalComment, Proposal).join(Proposal)
             .where((ProposalComment.id == comment_id) & (Proposal.community == community_id)).first())
    if found is None:                     # unknown, or another community's: not revealed
        raise LinliError("not_found", "评论不存在", 404)
    proposal = found.proposal
    if not proposals.can_decide(staff, proposal):
        raise PermissionDenied("not_your_proposal", "只有社区书记、管理员或该楼所在网格的网格员可以审核议事评论")
    held = (ProposalComment.id == found.id) & (ProposalComment.state == "held")
    done = (ProposalComment.update(state="shown").where(held).execute() if verdict == "publish"
            else ProposalComment.delete().where(held).execute())
    if not done:
        raise LinliError("comment_reviewed", "该评论不在待审核状态（可能已被其他工作人员处理），请刷新", 409)
    return proposal
