// 紧急任务: an urgent call of my team, opened from its message (?id=): what, where, how many are
// needed and how many come; 来 or 不来, once. A second tap while the first is on its way is
// ignored, and an answer re-sent after a lost reply is answered with the stored one (the backend
// counts one 来 per member); once enough said 来 the next is told, kindly, that it is filled.
const api = require('../../lib/api')
const care = require('../../lib/care')
const volunteers = require('../volunteers')

const ANSWERS = { come: '来', not_coming: '不来' }

function view(call) {
  return {
    ...call,
    filled: call.state !== 'open',
    countText: `需要${call.needed}人，已有${call.coming_count}人说来`,
    answerText: call.my_answer ? `您已回应：${ANSWERS[call.my_answer]}` : '',
    time: `${volunteers.day(call.created_at)} ${volunteers.clock(call.created_at)}`,
  }
}

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', error: null, call: null, answering: '', note: '', answerError: null },
  methods: {
    onLoad(query = {}) {
      this.id = Number(query.id) || 0
      this.load()
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      if (!this.id) {
        this.setData({ state: 'error', error: { title: '没有找到这个任务', next: '请从通知消息重新打开。' } })
        return
      }
      try {
        this.setData({ state: 'shown', error: null, call: view(await api.get(`/volunteers/calls/${this.id}`)) })
      } catch (e) {
        this.setData({ state: 'error', error: volunteers.explain(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    come() { return this.answer('come') },
    notComing() { return this.answer('not_coming') },

    async answer(said) {
      if (this.busy) return               // a second tap while the first is on its way
      this.busy = true
      this.setData({ answering: said, note: '', answerError: null })
      try {
        const { status } = await api.post(`/volunteers/calls/${this.id}/answer`, { answer: said }, { withStatus: true })
        this.setData({
          note: said === 'come' ? (status === 201 ? '谢谢您！请尽快到集合地点。' : '您已经说过“来”了，请尽快到集合地点。')
            : '知道了，谢谢您告诉我们。',
        })
      } catch (e) {
        const error = volunteers.explain(e)
        this.setData({ answerError: { ...error, again: volunteers.retryable(error.kind), said } })
      } finally {
        this.busy = false
        this.setData({ answering: '' })
      }
      await this.load()
    },

    sendAgain() { return this.answer(this.data.answerError.said) },
  },
})
