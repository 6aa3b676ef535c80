// One 征询/表决: the question, its description and options, the rule in one plain sentence, the
// closing time; my household's voice (who cast it, or the leader who recorded it at the door),
// cast after a confirm dialog, changed before the close where the consultation allows it; after
// the close, the result. One voice per household: the backend's unique key decides between two
// members tapping at once, and a voice re-sent after a lost answer is answered with the stored one.
const api = require('../../lib/api')
const care = require('../../lib/care')
const consultations = require('../../lib/consultations')
const errors = require('../../lib/errors')

Component({
  behaviors: [care.behavior],
  data: {
    state: 'loading', error: null, c: null, result: null,
    chosen: -1, changing: false, voting: false, note: '', voteError: null,
  },
  methods: {
    onLoad(query = {}) {
      this.id = Number(query.id) || 0
      this.load()
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      if (!this.id) {
        this.setData({ state: 'error', error: { title: '没有找到这次征询', next: '请回到征询表决列表重新打开。' } })
        return
      }
      try {
        const found = await api.get(`/consultations/${this.id}`)
        this.setData({ state: 'shown', error: null, c: consultations.view(found), result: consultations.result(found) })
      } catch (e) {
        this.setData({ state: 'error', error: consultations.failure(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    choose(e) {
      this.setData({ chosen: Number(e.currentTarget.dataset.index), voteError: null })
    },

    startChange() {
      this.setData({ changing: true, chosen: -1, note: '', voteError: null })
    },

    cancelChange() {
      this.setData({ changing: false, chosen: -1, voteError: null })
    },

    // 投票 / 确认更改: asked once more in a dialog, since it speaks for the whole household.
    async cast() {
      if (this.busy) return              // a second tap while the first is on its way
      const { chosen, c, changing } = this.data
      if (chosen < 0) {
        this.setData({ voteError: consultations.explain(new errors.ApiError({ kind: 'bad_choice' })) })
        return
      }
      this.busy = true
      try {
        const option = c.options[chosen]
        const after = c.allow_change ? '截止前还可以更改。' : '提交后不能更改。'
        const answer = await wx.showModal({
          title: changing ? `改为“${option}”？` : `代表全家选择“${option}”？`,
          content: `每户一票，家里其他成员将看到您家的表态。${after}`,
          confirmText: '确认', cancelText: '再想想',
        })
        if (!answer.confirm) return
        this.pending = { choice: chosen, change: changing }
        await this.send()
      } finally {
        this.busy = false
      }
    },

    // Sends the confirmed voice (again, after a lost answer: the same choice is not a second vote).
    async send() {
      const { choice, change } = this.pending
      this.setData({ voting: true, voteError: null, note: '' })
      try {
        const { status } = await api.post(`/consultations/${this.id}/vote`, { choice, change }, { withStatus: true })
        this.pending = null
        this.setData({
          changing: false, chosen: -1,
          note: change ? '已更改您家的表态。' : status === 201 ? '已表态，谢谢您家的参与。' : '您家的表态已经记下了。',
        })
      } catch (e) {
        const error = consultations.explain(e)
        if (e.code === 'already_voted') {
          // another member (or the unit leader at the door) was first: that is the household's voice
          this.pending = null
          this.setData({ changing: false, chosen: -1, note: '家人已经替全家表过态了，每户一票。' })
        } else if (consultations.retryable(error.kind)) {
          // it may have reached the server: keep the choice on screen and offer to send it again
          this.setData({ voting: false, voteError: { ...error, again: true } })
          return
        } else {
          this.pending = null
          this.setData({ voteError: consultations.failure(e) })
        }
      } finally {
        this.setData({ voting: false })
      }
      await this.load()
    },

    async sendAgain() {
      if (this.busy || !this.pending) return
      this.busy = true
      try {
        await this.send()
      } finally {
        this.busy = false
      }
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
