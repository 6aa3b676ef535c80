"""What the account answers to 议事 and 征询 (the menu key PROPOSALS_AND_VOTES, or one of
COMMANDS typed or spoken): the consultations still taking voices and the proposals still open in
the resident's unit, building, estate and community, whether their household has answered or
supported, and links into the mini-program's pages where they act.

It is a reply: a few reads, no WeChat call, within WeChat's 5 seconds. Only a household speaks
(cases.proposals.place_of), so a follower without a confirmed address in a known room is told
how to get one instead."""
from account import links
from account import reply_text
from cases import proposals
from decisions import consultations
from linli import config
from linli.clock import local
from linli.errors import PermissionDenied

COMMANDS = ("议事", "征询", "投票", "表决", "议事征询", "议事和征询")
SHOWN = 3                      # items of each kind; the list pages hold the rest
PROPOSAL_LIST_PAGE = "proposals/list/index"
CONSULTATION_LIST_PAGE = "consultations/list/index"
CONSULTATION_PAGE = "consultations/detail/index"
ITEM_STATES = ("open", "on_agenda")      # proposals.OPEN_STATES, in the order they are listed


def is_query(text):
    return (text or "").strip().rstrip("?？。!！") in COMMANDS


def answer(resident, now):
    try:
        place = proposals.place_of(resident)
    except PermissionDenied as refused:
        return _how_to_take_part(resident, refused)
    parts = [("【议事和征询】您家：%s" % place.household.door, False)]
    parts += _consultations(resident, now)
    parts += _proposals(resident)
    return reply_text.fit(parts)


def _how_to_take_part(resident, refused):
    if refused.code == "no_household":
        return "【议事和征询】%s" % refused.message
    if resident.address_state == "pending":
        lines = ["【议事和征询】您登记的住址正在等待社区确认，确认后回复“议事”即可查看本单元、本楼、本小区的"
                 "议事和征询。"]
    else:
        lines = ["【议事和征询】议事、附议和征询表态以户为单位，需先登记住址：在小程序中选择小区、楼栋、单元和房间，"
                 "社区确认后回复“议事”即可查看。"]
    link = links.miniprogram(config.active().MP_ADDRESS_PAGE, "登记住址")
    if link:
        lines.append(link)
    return "\n".join(lines)


def _consultations(resident, now):
    taking = sorted((c for c in consultations.listing(resident, now) if c.state == "open" and c.closes_at > now),
                    key=lambda c: (c.closes_at, c.id))
    if not taking:
        return [("\n目前没有正在进行的征询。", False)]
    parts = [("\n正在征询（%d项）：" % len(taking), False)]
    for number, consultation in enumerate(taking[:SHOWN], 1):
        voice = consultations.voice(resident, consultation)
        said = "您家已表态（%s）" % voice["option"] if voice else "您家尚未表态"
        item = "%d. %s\n   %s · %s截止 · %s" % (
            number, reply_text.short(consultation.question), proposals.SCOPE_LABELS[consultation.scope],
            local(consultation.closes_at).strftime("%m月%d日%H:%M"), said)
        link = links.miniprogram("%s?id=%d" % (CONSULTATION_PAGE, consultation.id), "查看" if voice else "去表态")
        parts.append((item + ("\n   " + link if link else ""), True))
    parts.append((links.miniprogram(CONSULTATION_LIST_PAGE, "全部征询") or "更多征询请在小程序“征询”中查看。", False))
    return parts


def _proposals(resident):
    counts, shown = {}, []
    for state in ITEM_STATES:
        counts[state], page = proposals.listing(resident, state=state, size=SHOWN)
        shown += page
    if not shown:
        return [("\n目前没有征集附议中的议事。", False)]
    shown = shown[:SHOWN]
    supported = proposals.supported_by(resident, [p.id for p in shown])
    parts = [("\n议事（征集附议%d条，已列入议事会议程%d条）：" % (counts["open"], counts["on_agenda"]), False)]
    page = config.active().MP_PROPOSAL_PAGE
    for number, proposal in enumerate(shown, 1):
        if proposal.state == "open":
            status = "附议%d/%d户" % (proposal.supporters, proposal.support_needed)
        else:
            status = proposals.STATE_LABELS[proposal.state]
        mine = "您家已附议" if proposal.id in supported else "您家尚未附议"
        item = "%d. %s\n   %s · %s · %s" % (number, reply_text.short(proposal.title),
                                             proposals.SCOPE_LABELS[proposal.scope], status, mine)
        link = links.miniprogram("%s?id=%d" % (page, proposal.id), "查看")
        parts.append((item + ("\n   " + link if link else ""), True))
    parts.append((links.miniprogram(PROPOSAL_LIST_PAGE, "全部议事") or "更多议事请在小程序“议事”中查看。", False))
    return parts
