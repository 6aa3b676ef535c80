// 我要提议: a proposal for my unit, building, estate or the whole community (title, text,
// photos through the same upload flow as 我要报事, lib/photos.js), POST /proposals, then its page.
// My household supports it from the start. Only a resident whose address is confirmed in a room
// speaks for a household: without that the form is not offered, the address page is.
const api = require('../../lib/api')
const care = require('../../lib/care')
const photoStrip = require('../../lib/photos')
const proposals = require('../../lib/proposals')
const session = require('../../lib/session')
const settings = require('../../lib/settings')

const MAX_TITLE = 60             // cases/proposals.py; the backend has the last word
const MIN_TEXT = 10
const MAX_TEXT = 2000
const WHO = { unit: '同单元的住户', building: '同楼的住户', estate: '同小区的住户', community: '全社区的住户' }

Component({
  behaviors: [care.behavior, photoStrip.behavior],
  data: {
    state: 'loading', address: '', addressNext: '',
    scopes: proposals.SCOPES.map(s => ({ ...s, who: WHO[s.key] })),
    scope: 'unit', title: '', text: '', textLength: 0,
    maxTitle: MAX_TITLE, minText: MIN_TEXT, maxText: MAX_TEXT,
    submitting: false, submitError: null,
  },
  methods: {
    onLoad() {
      this.templates = []
      // one proposal per visit to this form: a 提交 retried after a lost answer carries the same key
      this.key = api.newKey('proposal')
      // asked for inside the 提交 tap (WeChat allows it only there), which must not wait for this
      settings.templates('proposal').then(ids => { this.templates = ids })
      this.loadMe()
    },

    // Whether this resident may raise one at all: the backend says so again on submit.
    async loadMe() {
      let me = session.resident()
      try {
        me = await api.get('/me')
        session.remember(me)
      } catch (e) {
        if (!me) return this.setData({ state: 'error', submitError: proposals.explain(e) })
      }
      const address = (me && me.address) || {}
      if (address.state !== 'confirmed' || !address.household_id) {
        const next = address.state === 'pending' ? '您的住址正在等待楼长或网格员确认，确认后就可以提议了。'
          : address.state === 'confirmed' ? '您的住址还没有对应到具体门牌号：请重新填写住址，在单元里点选您家的房间。'
            : '议事以户为单位：请先填写住址并点选您家的门牌号，等楼长或网格员确认后就可以提议。'
        return this.setData({ state: 'address', address: address.label || '', addressNext: next })
      }
      this.setData({ state: 'form', address: address.label })
    },

    retry() {
      this.setData({ state: 'loading', submitError: null })
      this.loadMe()
    },

    chooseScope(e) {
      this.setData({ scope: e.currentTarget.dataset.scope, submitError: null })
    },

    typeTitle(e) {
      this.setData({ title: e.detail.value || '', submitError: null })
    },

    typeText(e) {
      const text = e.detail.value || ''
      this.setData({ text, textLength: text.length, submitError: null })
    },

    photosChanged() {
      this.setData({ submitError: null })
    },

    // What keeps the form from being sent, said before the request; null when nothing does.
    blocker() {
      const title = this.data.title.trim()
      const text = this.data.text.trim()
      if (!title) return { title: '请填写标题', next: '用一句话说明要议的事。' }
      if (title.length > MAX_TITLE) return { title: '标题太长了', next: `请删减到${MAX_TITLE}个字以内。` }
      if (text.length < MIN_TEXT) return { title: '请把事情说清楚', next: `内容至少${MIN_TEXT}个字：在哪里、什么事、希望怎么办。` }
      if (text.length > MAX_TEXT) return { title: '内容太长了', next: `请删减到${MAX_TEXT}个字以内。` }
      return this.photosBlocker()
    },

    async submit() {
      if (this.data.submitting) return
      const blocked = this.blocker()
      if (blocked) return this.setData({ submitError: blocked })
      // so the proposer hears when it reaches the 议事会 and how it was decided; whatever the answer
      if (this.templates.length) wx.requestSubscribeMessage({ tmplIds: this.templates, fail: () => {} })
      this.setData({ submitting: true, submitError: null })
      try {
        const raised = await api.post('/proposals', {
          scope: this.data.scope, title: this.data.title.trim(), text: this.data.text.trim(), photo_ids: this.photoIds(),
        }, { header: { 'Idempotency-Key': this.key } })
        this.setData({ submitting: false })
        wx.redirectTo({ url: `/proposals/detail/index?id=${raised.id}` })
      } catch (e) {
        const error = proposals.explain(e)
        this.setData({ submitting: false, submitError: { ...error, address: proposals.needsAddress(error.kind) } })
      }
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
