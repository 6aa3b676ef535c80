// 工作通知: the tasks the secretary sent to the building's and unit's leaders, newest first,
// each acknowledged once with 收到 (the API keeps the first time, so a retry after a lost answer
// changes nothing); one on its way says so, one not answered keeps its button.
const care = require('../../lib/care')
const session = require('../../lib/staff_session')
const leader = require('../leader')

function view(task) {
  return { id: task.id, text: task.text, sent: leader.time(task.sent_at), deadline: leader.time(task.deadline),
    acknowledged: leader.time(task.acknowledged_at), sending: false, failed: '' }
}

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', items: [], error: null },
  methods: {
    onShow() { this.load() },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const mine = await leader.mine()
        this.setData({ state: 'shown', error: null, items: mine.tasks.map(view) })
      } catch (e) {
        if (leader.notBound(e)) return
        this.setData({ state: 'error', error: leader.shown(e) })
      }
    },

    patch(id, fields) {
      const index = this.data.items.findIndex(i => i.id === id)
      const changes = {}
      Object.entries(fields).forEach(([k, v]) => { changes[`items[${index}].${k}`] = v })
      this.setData(changes)
    },

    async acknowledge(e) {
      const id = Number(e.currentTarget.dataset.id)
      const task = this.data.items.find(i => i.id === id)
      if (!task || task.sending) return
      this.patch(id, { sending: true, failed: '' })
      try {
        const ack = await session.call({ path: `/staff/rounds/tasks/${id}/ack`, method: 'POST' })
        this.patch(id, { sending: false, acknowledged: leader.time(ack.acknowledged_at) })
      } catch (err) {
        this.patch(id, { sending: false, failed: `${err.title || '未提交成功'}${err.next ? '。' + err.next : ''}` })
      }
    },
  },
})
