// 上门通知: one round's households on my list, by door, each with three big buttons 已告知 /
// 不在家 / 拒绝 and the time of its last mark. A mark is kept in storage until its answer comes
// back: a lost answer leaves it on the row as 未提交成功 with 重新提交 (the API takes the same
// mark again as the same mark, so a retry never counts twice); a refusal (not my household, told
// on WeChat already) is said on the row and nothing is kept.
const care = require('../../lib/care')
const session = require('../../lib/staff_session')
const leader = require('../leader')

// Refusals a retry would not cure: the mark is dropped and the reason shown.
function refused(e) {
  return e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429
}

function row(item, outbox) {
  const waiting = outbox[item.id]
  return {
    id: item.id, door: item.door, state: item.state, label: leader.MARKS[item.state],
    at: leader.time(item.marked_at), todo: item.state === 'open' || item.state === 'not_home',
    pending: waiting ? waiting.state : '', pendingLabel: waiting ? leader.MARKS[waiting.state] : '',
    sending: false, refusal: '',
  }
}

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', title: '', deadline: '', items: [], left: 0, error: null },
  methods: {
    onLoad(query) { this.roundId = Number(query.id) },

    onShow() { this.load() },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const mine = await leader.mine()
        const found = mine.rounds.find(r => r.id === this.roundId)
        if (!found) {
          this.setData({ state: 'gone', items: [], error: null })
          return
        }
        const outbox = leader.pending()
        const items = found.items.map(i => row(i, outbox))
        this.setData({ state: 'shown', error: null, title: found.title, deadline: leader.time(found.deadline),
          items, left: items.filter(i => i.todo).length })
        wx.setNavigationBarTitle({ title: found.title })
      } catch (e) {
        if (leader.notBound(e)) return
        this.setData({ state: 'error', error: leader.shown(e) })
      }
    },

    mark(e) {
      const { id, state } = e.currentTarget.dataset
      return this.send(Number(id), state)
    },

    retry(e) {
      const id = Number(e.currentTarget.dataset.id)
      const waiting = leader.pending()[id]
      return waiting ? this.send(id, waiting.state) : null
    },

    patch(id, fields) {
      const index = this.data.items.findIndex(i => i.id === id)
      if (index < 0) return
      const changes = {}
      Object.entries(fields).forEach(([k, v]) => { changes[`items[${index}].${k}`] = v })
      this.setData(changes)
    },

    async send(id, state) {
      this.sending = this.sending || {}
      if (this.sending[id]) return            // a second tap while the first is on its way
      this.sending[id] = true
      leader.keep(id, { state, round: this.roundId })
      this.patch(id, { pending: state, pendingLabel: leader.MARKS[state], sending: true, refusal: '' })
      try {
        const item = await session.call({ path: `/staff/rounds/items/${id}`, method: 'POST', data: { state } })
        leader.keep(id, null)
        this.patch(id, { state: item.state, label: leader.MARKS[item.state], at: leader.time(item.marked_at),
          todo: item.state === 'open' || item.state === 'not_home', pending: '', pendingLabel: '', sending: false })
        this.setData({ left: this.data.items.filter(i => i.todo).length })
        wx.showToast({ title: `${item.door.split(' ').pop()}：${leader.MARKS[item.state]}`, icon: 'success' })
      } catch (err) {
        if (refused(err)) {
          leader.keep(id, null)
          this.patch(id, { pending: '', pendingLabel: '', sending: false, refusal: err.title })
        } else {
          // Kept in storage: shown as not sent, with 重新提交, here and on the home page.
          this.patch(id, { sending: false })
        }
      } finally {
        this.sending[id] = false
      }
    },
  },
})
