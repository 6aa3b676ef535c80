// One case for the staff member: what, where (photos, the map), the SLA clock, and the actions
// the case's state and my role allow — the API's list, from the workflow's own table, never a
// list of our own. Each action's fields are the ones the API names. A weak connection: the
// action goes with one Idempotency-Key until it succeeds, so 重新提交 after a lost answer never
// acts twice; what was typed is kept (in storage too) until the action is done, and so is the
// pending action with its key: a page closed after a lost answer reopens with 未提交成功 and
// 重新提交 sends the same key (the backend replays it, the reply is not posted twice). While one
// action is pending another cannot be chosen: 取消 abandons it first, after a warning that it may
// have reached the server — a new key for a new action only once the old one is settled; a case another
// worker just moved (409 state_changed) is said plainly and shown as it is now. An action that
// takes photos (办结, 添加进展: a field of kind "photos") gets 拍照: each photo uploaded to
// /staff/uploads as it is taken, its thumbnail shown, the ids sent with the action; uploaded
// photos are kept in the draft like the text.
const api = require('../../lib/api')
const care = require('../../lib/care')
const photos = require('../../lib/photos')
const clock = require('../clock')
const session = require('../session')

const DRAFTS = 'linli.staff.draft.'
const TRANSPORT = ['offline', 'timeout', 'server_down', 'server_error']

function photoUrl(url) {
  return /^https?:\/\//.test(url) ? url : api.origin() + url
}

function labelOf(pending) {
  return (pending.form && pending.form.label) || pending.action
}

function view(c) {
  return { ...c, clock: clock.caseClock(c), photos: (c.photos || []).map(photoUrl),
    timeline: (c.timeline || []).map(e => ({ ...e, photos: (e.photos || []).map(photoUrl) })) }
}

Component({
  behaviors: [care.behavior, photos.behavior],
  data: {
    state: 'loading', error: null, c: null, conflict: '',
    chosen: '', form: null, values: {}, formError: '', pending: null,
  },
  methods: {
    onLoad(query = {}) {
      this.number = query.number || ''
      const draft = wx.getStorageSync(DRAFTS + this.number) || {}
      // A pending action restored is unanswered as far as this page knows: 重新提交, same key.
      const pending = draft.pending && draft.pending.key
        ? { ...draft.pending, failed: true, why: draft.pending.why || '没有收到服务器的回复' } : null
      this.setData({ values: draft.values || {}, chosen: (pending && pending.action) || draft.action || '', pending,
        photos: (draft.photos || []).map(p => photos.restored(this.nextUid(), p)) })
      this.load()
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const c = view(await session.call({ path: `/staff/cases/${this.number}` }))
        const { pending } = this.data
        // A pending action the case no longer offers (it may be the very one that moved the case)
        // keeps its form: its key is answered by a replay, or refused plainly (409).
        const row = c.actions.find(a => a.name === this.data.chosen)
          || (pending && pending.action === this.data.chosen ? pending.form : null)
        this.setData({ state: 'shown', error: null, c, form: row || null, chosen: row ? row.name : '' })
      } catch (e) {
        if (e.code === 'not_bound') {
          wx.redirectTo({ url: '/work/bind/index' })
          return
        }
        this.setData({ state: 'error', error: { title: e.title || '出了点问题', next: e.next || '' } })
      }
    },

    choose(e) {
      const name = e.currentTarget.dataset.name
      const { pending } = this.data
      if (pending && !pending.failed) return
      if (pending && pending.action !== name) {
        // Its key must not be dropped silently: it may have acted already.
        this.setData({ formError: `“${labelOf(pending)}”未提交成功，请先重新提交，或点“取消”放弃它` })
        return
      }
      if (pending) return                 // the same action again: the same key stays
      const row = this.data.c.actions.find(a => a.name === name)
      // Another action: a new Idempotency-Key. The typed text stays, by field name.
      this.setData({ chosen: name, form: row, formError: '', conflict: '' })
      this.keep()
    },

    async cancel() {
      const { pending } = this.data
      if (pending && !pending.failed) return
      if (pending) {
        const sure = await wx.showModal({ title: '放弃未提交成功的操作？',
          content: `“${labelOf(pending)}”可能已经到达服务器。放弃后再提交会被当作一次新的操作。`,
          confirmText: '放弃', cancelText: '不放弃' })
        if (!sure.confirm) return
      }
      this.setData({ chosen: '', form: null, formError: '', pending: null })
      this.keep()
    },

    typeField(e) {
      this.setData({ [`values.${e.currentTarget.dataset.name}`]: e.detail.value, formError: '' })
      this.keep()
    },

    flipField(e) {
      this.setData({ [`values.${e.currentTarget.dataset.name}`]: !!e.detail.value })
      this.keep()
    },

    pickStaff(e) {
      this.setData({ [`values.${e.currentTarget.dataset.name}`]: Number(e.currentTarget.dataset.id), formError: '' })
      this.keep()
    },

    keep() {
      const { pending } = this.data
      wx.setStorageSync(DRAFTS + this.number, { action: this.data.chosen, values: this.data.values,
        pending: pending ? { action: pending.action, key: pending.key, form: pending.form, why: pending.why } : null,
        photos: this.data.photos.filter(p => p.state === 'done').map(p => ({ id: p.id, url: p.url })) })
    },

    photosChanged() { this.keep() },

    // A photo of the fix goes to the staff's own upload, as the signed-in staff member (a lapsed
    // token signs in again once, as session.call does).
    async uploadPhoto(file, onProgress) {
      const send = token => api.uploadFile('/staff/uploads', file, token, onProgress)
      const signedIn = session.stored() || await session.signIn()
      try {
        return await send(signedIn.token)
      } catch (e) {
        if (e.status !== 401) throw e
        session.forget()
        return send((await session.signIn()).token)
      }
    },

    async submit() {
      const { form, values } = this.data
      if (!form || (this.data.pending && !this.data.pending.failed)) return     // a second tap on its way
      const missing = form.fields.find(f => f.required && (values[f.name] === undefined || values[f.name] === null
        || String(values[f.name]).trim() === ''))
      if (missing) {
        this.setData({ formError: missing.kind === 'staff' ? '请选择转交给谁' : `请填写${missing.hint || '必填内容'}` })
        return
      }
      const takesPhotos = form.fields.some(f => f.kind === 'photos')
      const blocker = takesPhotos && this.photosBlocker()
      if (blocker) {
        this.setData({ formError: `${blocker.title}：${blocker.next}` })
        return
      }
      const body = {}
      for (const f of form.fields) {
        if (f.kind === 'photos') {
          if (this.photoIds().length) body[f.name] = this.photoIds()
        } else if (values[f.name] !== undefined && values[f.name] !== '') body[f.name] = values[f.name]
      }
      const key = (this.data.pending && this.data.pending.action === form.name && this.data.pending.key) || api.newKey(`staff-${form.name}`)
      this.setData({ pending: { action: form.name, key, form, failed: false, why: '' }, formError: '', conflict: '' })
      this.keep()              // the key is stored before it is sent: a page closed now keeps it
      try {
        await session.call({ path: `/staff/cases/${this.number}/${form.name}`, method: 'POST', data: body,
          header: { 'Idempotency-Key': key } })
      } catch (e) {
        await this.failed(e, form)
        return
      }
      const done = form.label
      // Done: the text it took is no longer needed.
      const rest = { ...values }
      for (const f of form.fields) delete rest[f.name]
      this.setData({ pending: null, chosen: '', form: null, values: rest, ...(takesPhotos ? { photos: [] } : {}) })
      this.keep()
      wx.showToast({ title: `已完成：${done}`, icon: 'success' })
      await this.load()
    },

    async failed(e, form) {
      if (TRANSPORT.includes(e.kind)) {
        // It may have reached the server: the same key goes again with 重新提交.
        this.setData({ pending: { ...this.data.pending, failed: true, why: e.title } })
        this.keep()
        return
      }
      // A refusal is a final answer (409, 422, …): this key is settled, the next try is new.
      this.setData({ pending: null })
      this.keep()
      if (e.code === 'state_changed' || e.code === 'not_your_case') {
        await this.load()
        const still = this.data.c && this.data.c.actions.some(a => a.name === form.name)
        const why = e.code === 'state_changed' ? '其他工作人员刚刚处理了这个案件' : e.title
        this.setData({
          conflict: `${why}。已刷新为最新状态：${this.data.c ? this.data.c.state_label : ''}` +
            (still ? '，您填写的内容已保留，可以再次提交。' : `，现在不能“${form.label}”了；您填写的内容已保留。`),
        })
        return
      }
      this.setData({ formError: `${e.title || '提交没有成功'}${e.next && e.status >= 500 ? '。' + e.next : ''}` })
    },

    preview(e) {
      const urls = this.data.c.photos
      wx.previewImage({ urls, current: urls[Number(e.currentTarget.dataset.index)] })
    },

    previewStep(e) {
      const urls = this.data.c.timeline[Number(e.currentTarget.dataset.step)].photos
      wx.previewImage({ urls, current: urls[Number(e.currentTarget.dataset.index)] })
    },

    openLocation() {
      const { lat, lng, label } = this.data.c.location
      wx.openLocation({ latitude: lat, longitude: lng, name: label || '报事位置', address: label || '', scale: 17 })
    },

    callReporter() {
      wx.makePhoneCall({ phoneNumber: this.data.c.reporter.phone })
    },
  },
})
