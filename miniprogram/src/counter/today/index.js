// 今日核销: today's (Beijing day) redemptions and reversals at this merchant's counter (every
// clerk's), with the figures the server counts: redemptions that still stand and their orders'
// total (a reversed one drops out, yesterday's never comes in). Refused attempts are listed
// greyed, for "did it go through?". The owner reverses any redemption still within its 2 hours
// here, a clerk's too: the clerk who redeemed by mistake is told to ask the owner.
const care = require('../../lib/care')
const merchant = require('../lib/merchant')
const outcomes = require('../lib/outcomes')

function hhmm(iso) {
  const d = new Date(iso)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

function what(a) {
  if (a.action === 'reverse') return a.outcome === 'ok' ? '撤销' : '撤销未成功'
  return a.reversed ? '核销（已撤销）' : outcomes.label(a.outcome)
}

Component({
  behaviors: [care.behavior],
  data: { loaded: false, items: [], count: 0, totalYuan: '0.00', error: null, notice: null, pending: false },
  methods: {
    onLoad() { this.load() },

    onPullDownRefresh() { this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      this.setData({ error: null })
      try {
        this.counter = this.counter || await merchant.open()
        const { today, items } = await this.counter.get('/merchant/redemptions', { day: 'today' })
        const rows = items.map(a => ({
          id: a.id, time: hhmm(a.at), ok: a.outcome === 'ok' && !a.reversed, what: what(a),
          amount: a.order_fen === null ? '' : `${outcomes.yuan(a.order_fen)} 元`,
          entered: a.entered.length > 20 ? '扫码' : a.entered, reason: a.reason,
          mine: a.clerk_id === this.counter.staff.id, code: a.code, reversible: a.reversible,
        }))
        this.setData({ loaded: true, items: rows, count: today.count, totalYuan: outcomes.yuan(today.total_fen) })
      } catch (e) {
        this.setData({ loaded: true, error: { title: e.title, next: e.next } })
      }
    },

    reverse(e) {
      const row = this.data.items.find(r => r.id === Number(e.currentTarget.dataset.id))
      if (!row || !row.reversible || this.data.pending) return
      wx.showModal({
        title: `撤销 ${row.time} 这笔核销`, content: '', editable: true,
        placeholderText: '撤销原因（必填），例如：金额输错', confirmText: '撤销', cancelText: '不撤销',
        success: async res => {
          if (!res.confirm) return
          const reason = (res.content || '').trim()
          if (!reason) return this.setData({ notice: { tone: 'warn', title: '请填写撤销原因', next: '写明为什么撤销，社区可以查到。' } })
          this.setData({ pending: true, notice: null })
          try {
            await this.counter.post(`/merchant/coupons/${row.code}/reverse`, { reason })
            this.setData({ notice: { tone: 'warn', title: '已撤销', next: '这张券已退回顾客，可以重新核销。' } })
          } catch (err) {
            const next = err.code === 'reverse_window_passed' ? '核销超过 2 小时不能撤销，请联系社区处理。' : err.next
            this.setData({ notice: { tone: 'no', title: err.title, next } })
          } finally {
            this.setData({ pending: false })
          }
          await this.load()
        },
      })
    },
  },
})
