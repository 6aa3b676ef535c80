// 我带的队: the teams I lead, each with its requests to join (同意 / 不同意) and its activities
// (the latest start first: those to run, those whose hours wait for me); 发布活动 per team.
// Opened from 志愿服务 when I lead a team; a resident who leads none is told so.
const api = require('../../lib/api')
const care = require('../../lib/care')
const teamlead = require('../teamlead')

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', error: null, teams: [], deciding: '', decideError: null },
  methods: {
    onLoad() { this.load() },

    // Back from posting or running an activity: the lists may have changed.
    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const led = (await api.get('/volunteers/lead/teams')).items
        const teams = await Promise.all(led.map(async t => {
          const [members, listed] = await Promise.all([
            api.get(`/volunteers/lead/teams/${t.id}/members`),
            api.get(`/volunteers/lead/teams/${t.id}/activities`),
          ])
          return { ...t, pending: members.pending, approved: members.approved,
            activities: listed.items.map(a => teamlead.view(a)) }
        }))
        this.setData({ teams, state: teams.length ? 'list' : 'none', error: null })
      } catch (e) {
        this.setData({ state: 'error', error: teamlead.explain(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    approve(e) { return this.decide(e.currentTarget.dataset, true) },
    decline(e) { return this.decide(e.currentTarget.dataset, false) },

    // A decision re-sent after a lost answer finds it made (409 not_pending): the list then
    // shows what stands, which is what the leader meant.
    async decide({ team, resident }, approve) {
      if (this.data.deciding) return
      this.setData({ deciding: `${team}-${resident}`, decideError: null })
      try {
        await api.post(`/volunteers/lead/teams/${team}/members/decide`, { resident_id: Number(resident), approve })
      } catch (e) {
        if (e.code !== 'not_pending') this.setData({ decideError: teamlead.explain(e) })
      } finally {
        this.setData({ deciding: '' })
      }
      await this.load()
    },

    post(e) { wx.navigateTo({ url: `/teamlead/post/index?team=${e.currentTarget.dataset.team}` }) },
    open(e) { wx.navigateTo({ url: `/teamlead/activity/index?id=${e.currentTarget.dataset.id}` }) },
  },
})
