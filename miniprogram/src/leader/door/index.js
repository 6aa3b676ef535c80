// 入户代录: one consultation's households on my list (my unit's or building's) without a voice,
// then those with one. Tap a door, pick the household's choice, optionally photograph the signed
// paper (wx.chooseMedia), 提交: JSON to /door, or with the photo wx.uploadFile to /door/paper.
// Under Art. 278 a let flat's tenants do not vote online: its owner's signed paper is what is
// recorded here, and the row says so. What was picked (door, choice, photo) stays in storage
// until the answer comes back, so a lost answer shows 未提交成功 with 重新提交; sending the same
// voice again is answered as the voice recorded (200), never a second one.
const care = require('../../lib/care')
const session = require('../../lib/staff_session')
const leader = require('../leader')

const draftKey = id => `linli.leader.door.${id}`

function voiceText(voice) {
  if (!voice) return ''
  if (!voice.at_door) return `已自行表态：${voice.option}`
  return `${voice.by_me ? '已由您代录' : '已入户代录'}：${voice.option}${voice.paper ? '（附签字照片）' : ''}`
}

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', c: null, waiting: [], answered: [], draft: null, sending: false, failed: null,
    refusal: '', error: null },
  methods: {
    onLoad(query) {
      this.consultationId = Number(query.id)
      const draft = wx.getStorageSync(draftKey(this.consultationId))
      // A draft that was being sent when the page closed: its answer never came, so say so.
      if (draft) this.setData({ draft, failed: draft.sent ? { title: '上次提交没有收到回复', next: '请点重新提交' } : null })
    },

    onShow() { this.load() },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const c = await session.call({ path: `/staff/consultations/${this.consultationId}/doors` })
        const rows = c.items.map(h => ({ ...h, voiceText: voiceText(h.voice) }))
        this.setData({ state: 'shown', error: null, c: { ...c, closes: leader.time(c.closes_at) },
          waiting: rows.filter(h => !h.voice), answered: rows.filter(h => h.voice) })
      } catch (e) {
        if (leader.notBound(e)) return
        this.setData({ state: 'error', error: leader.shown(e) })
      }
    },

    saveDraft(draft) {
      this.setData({ draft })
      if (draft) wx.setStorageSync(draftKey(this.consultationId), draft)
      else wx.removeStorageSync(draftKey(this.consultationId))
    },

    pick(e) {
      if (this.data.sending) return
      const home = this.data.waiting.find(h => h.id === Number(e.currentTarget.dataset.id))
      if (!home) return
      this.setData({ failed: null, refusal: '' })
      this.saveDraft({ household_id: home.id, door: home.door, let: home.let, choice: null, photo: '' })
    },

    choose(e) {
      if (this.data.sending) return
      this.setData({ refusal: '' })
      this.saveDraft({ ...this.data.draft, choice: Number(e.currentTarget.dataset.choice) })
    },

    takePhoto() {
      wx.chooseMedia({
        count: 1, mediaType: ['image'], sourceType: ['camera', 'album'], sizeType: ['compressed'],
        success: res => this.saveDraft({ ...this.data.draft, photo: res.tempFiles[0].tempFilePath }),
        // cancelled on WeChat's own screen: the voice goes without a photo
      })
    },

    removePhoto() { this.saveDraft({ ...this.data.draft, photo: '' }) },

    previewPhoto() { wx.previewImage({ urls: [this.data.draft.photo] }) },

    cancel() {
      if (this.data.sending) return
      this.setData({ failed: null, refusal: '' })
      this.saveDraft(null)
    },

    async submit() {
      const draft = this.data.draft
      if (this.data.sending || !draft) return
      if (draft.choice === null || draft.choice === undefined) {
        this.setData({ refusal: '请先点选该户的意见' })
        return
      }
      this.saveDraft({ ...draft, sent: true })
      this.setData({ sending: true, failed: null, refusal: '' })
      const path = `/staff/consultations/${this.consultationId}/door`
      const fields = { household_id: draft.household_id, choice: draft.choice }
      try {
        if (draft.photo) {
          await session.upload({ path: `${path}/paper`, filePath: draft.photo, name: 'photo', formData: fields })
        } else {
          await session.call({ path, method: 'POST', data: fields })
        }
        this.saveDraft(null)
        this.setData({ sending: false })
        const option = this.data.c.options[draft.choice]
        wx.showToast({ title: `已代录 ${draft.door}：${option}`, icon: 'success' })
        await this.load()
      } catch (e) {
        const refused = e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429
        if (refused) {
          // Nothing was recorded (cast_by_household, closed, not my household…): said plainly,
          // the list reloaded to show the household as it is now.
          this.saveDraft({ ...draft, sent: false })
          this.setData({ sending: false, refusal: e.title })
          await this.load()
        } else {
          this.setData({ sending: false, failed: leader.shown(e) })
        }
      }
    },
  },
})
