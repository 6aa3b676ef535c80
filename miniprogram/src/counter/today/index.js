// 今日核销: today's redemptions and reversals at this merchant's counter (every clerk's), with
// the count and the orders' total; refused attempts are listed greyed, for "did it go through?".
const care = require('../../lib/care')
const merchant = require('../lib/merchant')
const outcomes = require('../lib/outcomes')

function sameDay(iso, today) {
  return new Date(iso).toDateString() === today.toDateString()
}

function hhmm(iso) {
  const d = new Date(iso)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

Component({
  behaviors: [care.behavior],
  data: { loaded: false, items: [], count: 0, totalYuan: '0.00', error: null },
  methods: {
    onLoad() { this.load() },

    onPullDownRefresh() { this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      this.setData({ error: null })
      try {
        this.counter = this.counter || await merchant.open()
        const { items } = await this.counter.get('/merchant/redemptions')
        const today = new Date()
        const rows = items.filter(a => sameDay(a.at, today)).map(a => ({
          id: a.id, time: hhmm(a.at), ok: a.outcome === 'ok',
          what: a.action === 'reverse' ? (a.outcome === 'ok' ? '撤销' : '撤销未成功') : outcomes.label(a.outcome),
          amount: a.order_fen === null ? '' : `${outcomes.yuan(a.order_fen)} 元`,
          entered: a.entered.length > 20 ? '扫码' : a.entered, reason: a.reason,
          mine: a.clerk_id === this.counter.staff.id,
        }))
        const redeemed = items.filter(a => sameDay(a.at, today) && a.action === 'redeem' && a.outcome === 'ok')
        const reversed = items.filter(a => sameDay(a.at, today) && a.action === 'reverse' && a.outcome === 'ok')
        const total = redeemed.reduce((sum, a) => sum + (a.order_fen || 0), 0)
        this.setData({ loaded: true, items: rows, count: redeemed.length - reversed.length, totalYuan: outcomes.yuan(total) })
      } catch (e) {
        this.setData({ loaded: true, error: { title: e.title, next: e.next } })
      }
    },
  },
})
