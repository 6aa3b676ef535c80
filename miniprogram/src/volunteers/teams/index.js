// 志愿服务队: my community's teams and my building's, with my membership (待队长审核, 已加入,
// 未通过, 队长); 申请加入 asks to join, and a team that asks for approval shows the request as
// pending until its leader decides. Asking again after a decline starts over.
const api = require('../../lib/api')
const care = require('../../lib/care')
const volunteers = require('../volunteers')

function row(team) {
  const m = volunteers.membership(team)
  return { ...team, memberText: m.text, memberTheme: m.theme, canJoin: m.canJoin,
    scopeText: team.building_id ? '本楼' : '全社区' }
}

Component({
  behaviors: [care.behavior],
  data: { items: [], state: 'loading', error: null, joining: 0, note: '', joinError: null },
  methods: {
    onLoad() { this.load() },

    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const items = (await api.get('/volunteers/teams')).items.map(row)
        this.setData({ items, state: items.length ? 'list' : 'empty', error: null })
      } catch (e) {
        this.setData({ state: 'error', error: volunteers.explain(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    async join(e) {
      const id = Number(e.currentTarget.dataset.id)
      if (this.data.joining) return               // a second tap while the first is on its way
      this.setData({ joining: id, note: '', joinError: null })
      try {
        const team = await api.post(`/volunteers/teams/${id}/join`)
        const items = this.data.items.map(t => (t.id === id ? row(team) : t))
        const pending = team.membership && team.membership.state === 'pending'
        this.setData({ items, note: pending ? `已申请加入“${team.name}”，等队长审核。` : `已加入“${team.name}”。` })
      } catch (err) {
        this.setData({ joinError: volunteers.explain(err) })
      } finally {
        this.setData({ joining: 0 })
      }
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
