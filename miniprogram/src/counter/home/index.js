// 核销台: the clerk enters the order amount, scans the resident's QR (or types the code), and
// reads the answer in big type and colour with the next step. The amount stays until a
// redemption succeeds. A redemption whose answer was lost on the way (weak signal) is kept and
// sent again with 重新提交: first the day's log is asked whether it already went through (the
// redemption is single-use on the server, so a blind resend would answer 已使用 for the clerk's
// own success), and only if not, it is sent again. The owner may reverse the last redemption.
const care = require('../../lib/care')
const merchant = require('../lib/merchant')
const outcomes = require('../lib/outcomes')

const RESENT_NOTE = '刚才那次已经核销成功，没有重复核销。'
const PENDING = { title: '正在核销…', tone: 'pending', next: '请稍候，不要让顾客离开。' }

Component({
  behaviors: [care.behavior],
  data: {
    ready: false, needBind: false, error: null, staff: null, isOwner: false,
    amount: '', amountError: '', code: '', pending: false, answer: null, last: null, lost: false,
  },
  methods: {
    onLoad() { this.start() },

    async start() {
      this.setData({ error: null })
      try {
        this.counter = await merchant.open()
        const staff = this.counter.staff
        this.setData({ ready: true, needBind: false, staff, isOwner: staff.role === 'owner' })
      } catch (e) {
        if (e.code === 'not_merchant_staff') return this.setData({ needBind: true, ready: false })
        this.setData({ error: { title: e.title, next: e.next } })
      }
    },

    goBind() { wx.navigateTo({ url: '/counter/bind/index' }) },
    goToday() { wx.navigateTo({ url: '/counter/today/index' }) },
    goStats() { wx.navigateTo({ url: '/counter/stats/index' }) },

    typeAmount(e) { this.setData({ amount: e.detail.value, amountError: '' }) },
    typeCode(e) { this.setData({ code: e.detail.value }) },

    // The amount in fen, or undefined after saying what is wrong with it.
    orderFen() {
      const fen = outcomes.toFen(this.data.amount)
      if (Number.isNaN(fen)) {
        this.setData({ amountError: '金额格式不对，例如 26 或 26.50' })
        return undefined
      }
      return fen
    },

    scan() {
      if (this.data.pending) return
      const fen = this.orderFen()
      if (fen === undefined) return
      wx.scanCode({
        onlyFromCamera: true, scanType: ['qrCode'],
        success: res => this.redeem({ qr: res.result, order_fen: fen }),
        fail: () => {},                        // the clerk closed the camera
      })
    },

    redeemTyped() {
      if (this.data.pending) return
      const fen = this.orderFen()
      if (fen === undefined) return
      if (!this.data.code.trim()) return this.setData({ answer: { ...outcomes.ANSWERS.code_required, code: 'code_required' } })
      this.redeem({ code: this.data.code.trim(), order_fen: fen })
    },

    async redeem(body, resent = false) {
      if (this.data.pending) return           // a second tap while the first is on its way
      this.setData({ pending: true, answer: PENDING, lost: false })
      try {
        this.succeeded(await this.counter.post('/merchant/redeem', body), '')
      } catch (e) {
        // the lost first try may have landed while we looked: then 已使用 is our own success
        if (resent && e.code === 'already_redeemed' && await this.alreadyDone(body).catch(() => null)) {
          this.succeeded({ code: '', order_fen: body.order_fen }, RESENT_NOTE)
          return
        }
        const answer = outcomes.forError(e, !!body.qr)
        this.setData({ answer, lost: answer.code === 'lost' })
        if (answer.code === 'lost') this.lostBody = body
      } finally {
        this.setData({ pending: false })
      }
    },

    async resend() {
      const body = this.lostBody
      if (!body || this.data.pending) return
      this.setData({ pending: true, answer: PENDING, lost: false })
      let done = null
      try {
        done = await this.alreadyDone(body)
      } catch (e) {
        this.setData({ pending: false, answer: outcomes.forError(e, !!body.qr), lost: true })
        return
      }
      this.setData({ pending: false })
      if (done) {
        this.lostBody = null
        return this.succeeded({ code: '', order_fen: done.order_fen }, RESENT_NOTE)
      }
      this.lostBody = null
      this.redeem(body, true)
    },

    // This clerk's successful redemption of exactly what `body` carried, in the counter's log.
    async alreadyDone(body) {
      const entered = (body.qr || body.code || '').slice(0, 40)
      const { items } = await this.counter.get('/merchant/redemptions')
      return items.find(a => a.clerk_id === this.counter.staff.id && a.action === 'redeem' && a.outcome === 'ok'
        && a.entered === entered && a.order_fen === body.order_fen) || null
    },

    succeeded(coupon, note) {
      const detail = [coupon.title, coupon.resident, coupon.order_fen !== null && coupon.order_fen !== undefined
        ? `订单 ${outcomes.yuan(coupon.order_fen)} 元` : ''].filter(Boolean).join(' · ')
      const answer = { ...outcomes.ANSWERS.ok, code: 'ok', detail, next: note || outcomes.ANSWERS.ok.next }
      this.setData({ answer, amount: '', code: '', amountError: '', last: coupon.code ? coupon : null })
    },

    reverse() {
      const last = this.data.last
      if (!last || this.data.pending) return
      wx.showModal({
        title: '撤销这笔核销', content: '', editable: true, placeholderText: '撤销原因（必填），例如：金额输错',
        confirmText: '撤销', cancelText: '不撤销',
        success: async res => {
          if (!res.confirm) return
          const reason = (res.content || '').trim()
          if (!reason) return this.setData({ answer: { title: '请填写撤销原因', tone: 'warn', next: '写明为什么撤销，社区可以查到。', code: 'reason_required' } })
          this.setData({ pending: true })
          try {
            await this.counter.post(`/merchant/coupons/${last.code}/reverse`, { reason })
            this.setData({ last: null, answer: { title: '已撤销', tone: 'warn', code: 'reversed', next: '这张券已退回顾客，可以重新核销。' } })
          } catch (e) {
            const next = e.code === 'reverse_window_passed' ? '核销超过 2 小时不能撤销，请联系社区处理。' : e.next
            this.setData({ answer: { title: e.title, tone: 'no', next, code: e.code } })
          } finally {
            this.setData({ pending: false })
          }
        },
      })
    },
  },
})
