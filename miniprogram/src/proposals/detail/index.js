// One 议事: its text and photos, the support against the bar, the public timeline (the outcome
// with the reason staff gave), the neighbours' comments, 附议 for my household and a comment box.
// A household supports once: when another member already did, the page says 您家已附议 and no
// second support is made (the backend's unique key decides between two taps at once).
const api = require('../../lib/api')
const care = require('../../lib/care')
const proposals = require('../../lib/proposals')

const MAX_COMMENT = 500          // cases/proposals.py MAX_COMMENT

function comment(c) {
  return { ...c, time: proposals.minute(c.at) }
}

Component({
  behaviors: [care.behavior],
  data: {
    state: 'loading', error: null, proposal: null, photos: [], timeline: [], comments: [],
    supporting: false, supportNote: '', supportError: null,
    draft: '', maxComment: MAX_COMMENT, sending: false, commentError: null,
  },
  methods: {
    onLoad(query = {}) {
      this.id = Number(query.id) || 0
      this.load()
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      if (!this.id) {
        this.setData({ state: 'error', error: { title: '没有找到这条议事', next: '请回到邻里议事列表重新打开。' } })
        return
      }
      try {
        this.show(await api.get(`/proposals/${this.id}`))
      } catch (e) {
        const error = proposals.explain(e)
        this.setData({ state: 'error', error: { ...error, address: proposals.needsAddress(error.kind) } })
      }
    },

    show(found) {
      const origin = api.origin()
      this.setData({
        state: 'shown', error: null,
        proposal: proposals.view(found),
        photos: found.photos.map(p => origin + p),
        timeline: found.timeline.map(s => ({ ...s, time: proposals.minute(s.at) })),
        comments: found.comments.map(comment),
      })
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    preview(e) {
      wx.previewImage({ urls: this.data.photos, current: this.data.photos[e.currentTarget.dataset.index] })
    },

    // -- 附议 -----------------------------------------------------------------------------------
    async support() {
      if (this.data.supporting) return
      this.setData({ supporting: true, supportError: null })
      try {
        const summary = await api.post(`/proposals/${this.id}/support`)
        const reached = summary.state === 'on_agenda' && this.data.proposal.state === 'open'
        this.setData({ supportNote: reached ? '您家的附议让它够数了，已上议事会！' : '已附议，谢谢您家的支持。' })
        if (reached) wx.showToast({ title: '已上议事会', icon: 'success' })
      } catch (e) {
        if (e.code === 'already_supported') {
          // another member of the household was first: that is their household's voice too
          this.setData({ supportNote: '家人已经替全家附议过了，每户只算一次。' })
        } else {
          this.setData({ supportError: proposals.explain(e) })
        }
      } finally {
        this.setData({ supporting: false })
      }
      await this.load()
    },

    // -- comments -------------------------------------------------------------------------------
    typeComment(e) {
      this.setData({ draft: e.detail.value || '', commentError: null })
    },

    async sendComment() {
      const text = this.data.draft.trim()
      if (this.data.sending) return
      if (!text) return this.setData({ commentError: { title: '请先写评论', next: '' } })
      this.setData({ sending: true, commentError: null })
      try {
        const kept = await api.post(`/proposals/${this.id}/comments`, { text })
        this.setData({ draft: '', comments: this.data.comments.concat(comment(kept)) })
      } catch (e) {
        this.setData({ commentError: proposals.explain(e) })
      } finally {
        this.setData({ sending: false })
      }
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },

    openMerged() {
      wx.redirectTo({ url: `/proposals/detail/index?id=${this.data.proposal.outcome.merged_into_id}` })
    },
  },
})
