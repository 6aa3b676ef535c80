// One of my cases: where it stands, who has it, what was done (the public timeline, with the
// handler's replies), and what I may do now (the API's `actions`: confirm, reopen, rate).
const api = require('../../lib/api')
const settings = require('../../lib/settings')
const care = require('../../lib/care')
const cases = require('../../lib/cases')
const errors = require('../../lib/errors')

const REASON_MISSING = '请写明哪里还没有解决，网格员会据此继续处理。'
const SCORE_MISSING = '请先点星星打分（1 到 5 星）。'
// A 409 means the case moved on under the resident's finger: the page reloads and says so.
const CHANGED = {
  state_changed: '案件状态刚刚有了变化（可能已有人处理），页面已刷新为最新状态，请看过后再操作。',
  already_rated: '您已经评价过了，每个案件只能评价一次。',
}

function photoUrl(url) {
  return /^https?:\/\//.test(url) ? url : api.origin() + url
}

function view(c) {
  const actions = c.actions || []
  return {
    number: c.number,
    stateLabel: c.state_label,
    theme: cases.theme(c.state),
    category: c.category || '待分类',
    owner: c.handler ? `${c.owner} ${c.handler}` : c.owner,
    due: cases.isOpen(c.state) ? cases.minute(c.resolve_due_at) : '',
    created: cases.minute(c.created_at),
    description: c.description,
    photos: (c.photos || []).map(photoUrl),
    location: c.location,
    // newest first: what happens now is what the resident came to see
    timeline: (c.timeline || []).slice().reverse().map(t => ({
      label: t.label, note: t.note, by: t.by || '', at: cases.minute(t.at), kind: t.kind,
    })),
    rating: c.rating,
    ratingStars: c.rating ? cases.stars(c.rating) : '',
    ratingComment: c.rating_comment || '',
    canConfirm: actions.includes('confirm'),
    canReopen: actions.includes('reopen'),
    canRate: actions.includes('rate'),
  }
}

Component({
  behaviors: [care.behavior],
  data: {
    state: 'loading', c: null, error: null, notice: '',
    reopening: false, reason: '', reasonError: '', score: 0, comment: '', rateError: '', busy: '',
  },
  methods: {
    onLoad(query = {}) {
      this.number = decodeURIComponent(query.number || '')
      this.templates = []
      // asked for on the 没有解决 tap, which must not wait for the network
      settings.templates('case').then(ids => { this.templates = ids })
      this.load()
    },

    onPullDownRefresh() {
      this.setData({ notice: '' })
      return this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      // opened without a number (a bad link): nothing to ask the server
      if (!this.number) return this.setData({ state: 'missing', c: null, error: null })
      if (!this.data.c) this.setData({ state: 'loading' })
      try {
        const c = await api.get(`/reports/${encodeURIComponent(this.number)}`)
        this.setData({ state: 'ready', c: view(c), error: null })
      } catch (e) {
        // not theirs, or no such number: the API says the same for both, and so do we
        if (e.status === 404) return this.setData({ state: 'missing', c: null, error: null })
        this.setData({ state: this.data.c ? 'ready' : 'error', error: { title: e.title, next: e.next } })
      }
    },

    retry() { this.load() },

    previewPhoto(e) {
      const urls = this.data.c.photos
      wx.previewImage({ current: urls[e.currentTarget.dataset.index], urls })
    },

    openLocation() {
      const { lat, lng, label } = this.data.c.location
      wx.openLocation({ latitude: lat, longitude: lng, name: label || '报事位置', address: label || '', scale: 17 })
    },

    // One action at a time; what the resident typed stays until it is accepted.
    async act(name, path, body) {
      if (this.data.busy) return false
      this.setData({ busy: name, notice: '' })
      try {
        await api.post(`/reports/${encodeURIComponent(this.number)}/${path}`, body)
        this.setData({ busy: '' })
        await this.load()
        return true
      } catch (e) {
        this.setData({ busy: '' })
        if (e.status === 409) {
          await this.load()
          this.setData({ notice: CHANGED[e.code] || `${e.title}。页面已刷新为最新状态。` })
        } else if (e.status === 404) {
          await this.load()
        } else if (e.status === 422 && name === 'reopen') {
          this.setData({ reasonError: e.title })
        } else if (e.status === 422 && name === 'rate') {
          this.setData({ rateError: e.title })
        } else {
          errors.show(e)
        }
        return false
      }
    },

    async confirm() {
      const answer = await wx.showModal({
        title: '问题已经解决了吗？', content: '确认后报事将办结，您还可以给办理结果打分。',
        confirmText: '确认解决', cancelText: '再看看',
      })
      if (!answer.confirm) return
      if (await this.act('confirm', 'confirm')) wx.showToast({ title: '已确认解决', icon: 'success' })
    },

    startReopen() { this.setData({ reopening: true, reasonError: '' }) },

    cancelReopen() { this.setData({ reopening: false, reasonError: '' }) },

    typeReason(e) { this.setData({ reason: e.detail.value, reasonError: '' }) },

    async reopen() {
      const reason = this.data.reason.trim()
      if (!reason) return this.setData({ reasonError: REASON_MISSING })
      // Its next progress reaches the resident by subscribe message; asked here, on the tap.
      if (this.templates.length) wx.requestSubscribeMessage({ tmplIds: this.templates, fail: () => {} })
      if (await this.act('reopen', 'reopen', { reason })) {
        this.setData({ reopening: false, reason: '' })
        wx.showToast({ title: '已退回继续处理', icon: 'success' })
      }
    },

    pickScore(e) { this.setData({ score: Number(e.detail.value) || 0, rateError: '' }) },

    typeComment(e) { this.setData({ comment: e.detail.value }) },

    async rate() {
      const score = this.data.score
      if (!(score >= 1 && score <= 5)) return this.setData({ rateError: SCORE_MISSING })
      if (await this.act('rate', 'rating', { score, comment: this.data.comment.trim() })) {
        this.setData({ score: 0, comment: '' })
        wx.showToast({ title: '感谢您的评价', icon: 'success' })
      }
    },

    goList() { wx.switchTab({ url: '/pages/cases/index' }) },
  },
})
