// 我要报事: category, text, photos, place, then POST /reports. What the resident types is a draft
// kept in storage as they go (with the filing's Idempotency-Key), so a lost session, a closed
// mini-program or a failed submit never loses it, and a submit retried after a lost answer files
// once. Voice input would need WeChat's 同声传译 plugin (WechatSI), which this mini-program does not
// configure: residents type, or use their keyboard's own dictation.
const api = require('../../lib/api')
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const photoStrip = require('../../lib/photos')
const session = require('../../lib/session')
const settings = require('../../lib/settings')

const DRAFT = 'linli.report.draft'
const MAX_TEXT = 1000             // cases/filing.py (the text limit); the backend has the last word
const MIN_TEXT = 5                // …and it also decides "too short": this only words the hint
// Where the general next step does not fit a filing.
const FILING_NEXT = {
  rate_limited: '每人每小时能提交的报事有限。您填写的内容已保存，请过一会儿再提交；急事请直接拨打社区电话。',
}

function emptyDraft() {
  return {
    key: api.newKey('report'), text: '', categoryId: null, photos: [], place: null,
    anonymous: false, publishPhotos: false, asked: false,
  }
}

// What a failed filing says: a title and what to do next, never a raw code.
function explain(e) {
  const error = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
  // the generic text-length refusal names the field in English
  const title = error.code === 'description_too_long' ? errors.NEXT_STEPS.description_too_long.title : error.title
  return { title, next: FILING_NEXT[error.kind] || error.next }
}

Component({
  behaviors: [care.behavior, photoStrip.behavior],
  data: {
    maxText: MAX_TEXT, minText: MIN_TEXT,
    categories: [], children: [], parentId: null,
    text: '', textLength: 0, categoryId: null, categoryName: '',
    photos: [], home: '', place: null, anonymous: false, publishPhotos: false,
    restored: false, error: null, submitting: false, submitError: null, done: null,
  },
  methods: {
    onLoad() {
      this.uid = 0
      this.templates = []
      this.restore()
      this.loadCategories()
      this.loadHome()
      settings.templates('case').then(ids => { this.templates = ids })
    },

    // -- the draft ------------------------------------------------------------------------
    restore() {
      const saved = wx.getStorageSync(DRAFT)
      this.draft = saved && saved.key ? { ...emptyDraft(), ...saved } : emptyDraft()
      const photos = (this.draft.photos || []).map(p => photoStrip.restored(this.nextUid(), p))
      this.setData({
        text: this.draft.text, textLength: this.draft.text.length, categoryId: this.draft.categoryId,
        photos, place: this.draft.place, anonymous: this.draft.anonymous,
        publishPhotos: this.draft.publishPhotos, restored: !!(saved && saved.key && this.hasContent()),
      })
    },

    hasContent() {
      const d = this.draft
      return !!(d.text.trim() || d.photos.length || d.categoryId || d.place)
    },

    // Saved at every change, photos only once uploaded (a picked file may be gone after a restart).
    save() {
      this.draft.photos = this.data.photos.filter(p => p.state === 'done').map(p => ({ id: p.id, url: p.url }))
      wx.setStorageSync(DRAFT, this.draft)
    },

    change(fields, data = {}) {
      Object.assign(this.draft, fields)
      this.setData({ ...data, submitError: null })
      this.save()
    },

    // -- what the page needs to show ------------------------------------------------------
    async loadCategories() {
      try {
        const all = await api.get('/categories', undefined, { auth: false })
        this.all = all
        const top = all.filter(c => !c.parent_id)
        const chosen = all.find(c => c.id === this.draft.categoryId)
        const parentId = chosen ? (chosen.parent_id || chosen.id) : null
        this.setData({ categories: top, error: null })
        this.showChildren(parentId)
        if (this.draft.categoryId && !chosen) this.change({ categoryId: null }, { categoryId: null })
        else if (chosen) this.setData({ categoryName: chosen.name })
      } catch (e) {
        this.setData({ error: { title: '问题类别没有加载出来', next: explain(e).next } })
      }
    },

    // The resident's own address, offered as the place: `place` null means "at my address"
    // (or nowhere in particular without one), and the backend files the case at their building.
    async loadHome() {
      let me = session.resident()
      try {
        me = await api.get('/me')
        session.remember(me)
      } catch (e) {
        // the stored copy will do: the form works without it
      }
      this.setData({ home: (me && me.address && me.address.label) || '' })
    },

    retry() { this.loadCategories() },

    // -- category ---------------------------------------------------------------------------
    showChildren(parentId) {
      const children = parentId ? (this.all || []).filter(c => c.parent_id === parentId) : []
      this.setData({ parentId, children })
    },

    chooseCategory(e) {
      const id = Number(e.currentTarget.dataset.id)
      const category = (this.all || []).find(c => c.id === id)
      if (!category) return
      const same = this.draft.categoryId === id
      // a second tap on the chosen one un-chooses it: the category is optional (staff classify)
      const next = same ? null : category
      if (!category.parent_id) this.showChildren(next ? next.id : null)
      this.change({ categoryId: next ? next.id : null },
        { categoryId: next ? next.id : null, categoryName: next ? next.name : '' })
    },

    // -- text -------------------------------------------------------------------------------
    typeText(e) {
      const text = e.detail.value || ''
      this.change({ text }, { text, textLength: text.length })
    },

    // -- photos (lib/photos.js): the draft keeps the uploaded ones --------------------------
    photosChanged() {
      this.setData({ submitError: null })
      this.save()
    },

    // -- place --------------------------------------------------------------------------------
    useHome() {
      this.change({ place: null }, { place: null })
    },

    pickPlace() {
      wx.chooseLocation({
        success: res => {
          const label = (res.name || res.address || '地图上选的位置').slice(0, 200)
          const place = { lat: res.latitude, lng: res.longitude, label }
          this.change({ place }, { place })
        },
        // cancelled or refused the location permission: the place stays as it was
      })
    },

    // -- choices ------------------------------------------------------------------------------
    toggleAnonymous() {
      const anonymous = !this.data.anonymous
      this.change({ anonymous }, { anonymous })
    },

    togglePublish() {
      const publishPhotos = !this.data.publishPhotos
      this.change({ publishPhotos }, { publishPhotos })
    },

    // -- submit -------------------------------------------------------------------------------
    // The tap on 提交: WeChat lets a page ask for subscribe-message consent only inside a tap, so
    // it is asked here, once per draft, and whatever the answer the filing goes on. The backend
    // keeps no record of mini-program consent (WeChat does, and refuses a send without it).
    submit() {
      if (this.data.submitting) return
      const blocked = this.photosBlocker()      // only the photos can keep the form back
      if (blocked) return this.setData({ submitError: blocked })
      if (this.templates.length && !this.draft.asked) {
        this.change({ asked: true })
        wx.requestSubscribeMessage({ tmplIds: this.templates, fail: () => {} })
      }
      return this.file()
    },

    async file() {
      const d = this.draft
      const body = {
        description: d.text.trim(),
        category_id: d.categoryId || null,
        photo_ids: this.photoIds(),
        anonymous: d.anonymous,
        publish_photos: d.publishPhotos,
      }
      // "my address" sends no point: the backend files the case at the resident's building
      if (d.place) body.location = { lat: d.place.lat, lng: d.place.lng, label: d.place.label }
      // What this key was first sent with: a retry after the resident edited the draft may be
      // answered with the case the first send filed (its answer was lost), without the edits.
      const sending = JSON.stringify(body)
      if (!d.sent) this.draft.sent = sending
      this.save()                       // the key is in storage before the request leaves
      this.setData({ submitting: true, submitError: null })
      try {
        const { status, data: filed } = await api.post('/reports', body, {
          header: { 'Idempotency-Key': d.key }, withStatus: true,
        })
        if (status === 200 && this.draft.sent !== sending) {
          // The earlier send was filed; what was edited since is still only on the phone. The
          // draft stays, under a new key, so the edits can be filed as a report of their own.
          this.draft = { ...this.draft, key: api.newKey('report'), sent: null }
          this.save()
          this.setData({ submitting: false, done: { number: filed.number, owner: filed.owner, unsentEdits: true } })
          return
        }
        wx.removeStorageSync(DRAFT)
        this.setData({ submitting: false, done: { number: filed.number, owner: filed.owner } })
      } catch (e) {
        this.setData({ submitting: false, submitError: explain(e) })
      }
    },

    openCase() {
      wx.navigateTo({ url: `/case/detail/index?number=${this.data.done.number}` })
    },

    // The edits a lost answer left unsent (done.unsentEdits): back to the draft, which already
    // has a new key, to file them as a report of their own.
    fileEdits() {
      this.setData({ done: null })
    },

    // Another report: a new draft, with a new key.
    startOver() {
      this.draft = emptyDraft()
      this.setData({
        done: null, text: '', textLength: 0, categoryId: null, categoryName: '', photos: [], place: null,
        anonymous: false, publishPhotos: false, restored: false, submitError: null,
      })
      this.showChildren(null)
      this.loadHome()
    },
  },
})
