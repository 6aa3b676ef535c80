// One activity for its leader: when and where, 签到码 (the QR page), the roster (confirmed, the
// waitlist, cancellations) with 补签到 / 补签退 by hand, after the end 确认服务时长 (the API names
// whoever still has to be checked out first), before the start 取消活动. Every mark and action is
// safe to repeat: one sent again after a lost answer finds it done (409) and the roster shows it.
const api = require('../../lib/api')
const care = require('../../lib/care')
const teamlead = require('../teamlead')

// A repeat of what was already done: the roster as it stands is the answer.
const DONE = ['already_checked_in', 'already_checked_out', 'hours_confirmed', 'activity_cancelled']

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', error: null, a: null, items: [], acting: '', note: '', actionError: null },
  methods: {
    onLoad(query = {}) {
      this.id = Number(query.id) || 0
      this.load()
    },

    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    // The roster first: it is the leader's route, so a resident who does not lead this team is
    // told so (403) before anything of the activity shows.
    async load() {
      try {
        const roster = await api.get(`/volunteers/lead/activities/${this.id}/roster`)
        this.show(await api.get(`/volunteers/activities/${this.id}`), roster)
      } catch (e) {
        this.setData({ state: 'error', error: teamlead.explain(e) })
      }
    },

    show(activity, roster) {
      const a = teamlead.view(activity)
      const items = roster.items.map(s => teamlead.rosterLine(s, a))
      this.setData({ state: 'shown', error: null, a, items,
        checkedIn: items.filter(s => s.checked_in_at).length, openOuts: items.filter(s => s.openOut).map(s => s.name).join('、') })
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    showQr() { wx.navigateTo({ url: `/teamlead/qr/index?id=${this.id}` }) },

    markIn(e) { return this.mark(Number(e.currentTarget.dataset.resident), 'check_in', '已补签到') },
    markOut(e) { return this.mark(Number(e.currentTarget.dataset.resident), 'check_out', '已补签退') },

    mark(residentId, action, done) {
      return this.act(`${action}-${residentId}`, `/volunteers/lead/activities/${this.id}/attendance`,
        { resident_id: residentId, action }, done)
    },

    confirmHours() {
      return this.act('confirm', `/volunteers/lead/activities/${this.id}/confirm-hours`, {}, '服务时长已确认，已记入队员的服务记录。')
    },

    async cancel() {
      if (this.data.acting) return
      const answer = await wx.showModal({ title: '取消这场活动？', content: '已报名和候补的队员都会收到通知。',
        confirmText: '取消活动', cancelText: '不取消' })
      if (!answer.confirm) return
      await this.act('cancel', `/volunteers/lead/activities/${this.id}/cancel`, {}, '活动已取消，已通知报名的队员。')
    },

    async act(what, path, body, done) {
      if (this.data.acting) return            // one action at a time: a second tap sends nothing
      this.pending = { what, path, body, done }
      this.setData({ acting: what, actionError: null, note: '' })
      try {
        await api.post(path, body)
        this.pending = null
        this.setData({ note: done })
      } catch (e) {
        const error = teamlead.explain(e)
        if (DONE.includes(error.code)) {
          this.pending = null
          this.setData({ note: done })
        } else {
          if (!teamlead.retryable(error.kind)) this.pending = null
          this.setData({ actionError: { ...error, again: !!this.pending } })
        }
      } finally {
        this.setData({ acting: '' })
      }
      await this.load()                        // what stands on the server is what the page shows
    },

    sendAgain() {
      if (!this.pending) return null
      const { what, path, body, done } = this.pending
      return this.act(what, path, body, done)
    },
  },
})
