// 本楼志愿者: the volunteer teams the leader manages (a building's leader: their building's
// team), each with its requests to join (同意 / 不同意 through the staff's lead routes) and the
// next activities with their places. A decision re-sent after a lost answer finds it made (409
// not_pending): the list then shows what stands, which is what the leader meant.
const care = require('../../lib/care')
const session = require('../../lib/staff_session')
const leader = require('../leader')

function activity(a) {
  return { id: a.id, title: a.title, starts: leader.time(a.starts_at), taken: a.taken, capacity: a.capacity,
    full: a.taken >= a.capacity }
}

async function team(t) {
  const members = t.pending ? await session.call({ path: `/staff/volunteers/teams/${t.id}/members` }) : { pending: [] }
  return { id: t.id, name: t.name, building: t.building || '全社区', members: t.members,
    requests: members.pending.map(m => ({ id: m.resident_id, name: m.name, asked: leader.time(m.asked_at) })),
    upcoming: t.upcoming.map(activity) }
}

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', teams: [], deciding: '', error: null, refusal: null },
  methods: {
    onShow() { this.load() },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const managed = await session.call({ path: '/staff/volunteers/teams' })
        const teams = await Promise.all(managed.items.map(team))
        this.setData({ state: 'shown', error: null, teams })
      } catch (e) {
        if (leader.notBound(e)) return
        this.setData({ state: 'error', error: leader.shown(e) })
      }
    },

    approve(e) { return this.decide(e.currentTarget.dataset, true) },
    decline(e) { return this.decide(e.currentTarget.dataset, false) },

    async decide({ team, resident }, approve) {
      if (this.data.deciding) return
      this.setData({ deciding: `${team}-${resident}`, refusal: null })
      try {
        await session.call({ path: `/staff/volunteers/teams/${team}/members/decide`, method: 'POST',
          data: { resident_id: Number(resident), approve } })
      } catch (e) {
        if (e.code !== 'not_pending') this.setData({ refusal: leader.shown(e) })
      } finally {
        this.setData({ deciding: '' })
      }
      await this.load()
    },
  },
})
