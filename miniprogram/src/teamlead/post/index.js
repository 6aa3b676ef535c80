// 发布活动: title, place, start and end (date and time pickers, Beijing time), places or roles
// (one a line, 搬运 4), a note. What is typed is kept in storage until the post succeeds; the post
// goes with one Idempotency-Key until it is answered, so 重新提交 after a lost answer (or a
// second tap) posts one activity; a refusal names the field and keeps the form as typed.
const api = require('../../lib/api')
const care = require('../../lib/care')
const teamlead = require('../teamlead')

Component({
  behaviors: [care.behavior],
  data: { form: teamlead.blankForm(), sending: false, error: null, lost: false },
  methods: {
    onLoad(query = {}) {
      this.team = Number(query.team) || 0
      const kept = teamlead.draft(this.team)
      this.key = kept && kept.key
      this.setData({ form: kept ? { ...teamlead.blankForm(), ...kept.form } : teamlead.blankForm(), lost: !!(kept && kept.key) })
    },

    // Every keystroke and pick is kept: a page closed or a phone locked loses nothing.
    edit(name, value) {
      this.setData({ [`form.${name}`]: value })
      teamlead.keepDraft(this.team, { form: this.data.form, key: this.key || null })
    },
    input(e) { this.edit(e.currentTarget.dataset.name, e.detail.value) },
    pick(e) { this.edit(e.currentTarget.dataset.name, e.detail.value) },
    byCapacity() { this.edit('byRoles', false) },
    byRoles() { this.edit('byRoles', true) },

    async submit() {
      if (this.data.sending) return            // a second tap while the first is on its way
      // one key per intended post, kept with the draft until it is answered
      this.key = this.key || api.newKey('activity')
      teamlead.keepDraft(this.team, { form: this.data.form, key: this.key })
      this.setData({ sending: true, error: null })
      try {
        const { status, data } = await api.post(`/volunteers/lead/teams/${this.team}/activities`,
          teamlead.body(this.data.form), { header: { 'Idempotency-Key': this.key }, withStatus: true })
        this.key = null
        teamlead.dropDraft(this.team)
        this.setData({ lost: false })
        wx.showToast({ title: status === 201 ? '已发布' : '已发布过了', icon: 'success' })
        wx.redirectTo({ url: `/teamlead/activity/index?id=${data.id}` })
      } catch (e) {
        const error = teamlead.explain(e)
        const lost = teamlead.retryable(error.kind)
        // refused: nothing was posted, so the corrected form is a new post; lost: it may have
        // been, so the key stays and the backend answers a repeat with that activity
        if (!lost) this.key = null
        teamlead.keepDraft(this.team, { form: this.data.form, key: this.key || null })
        this.setData({ error, lost })
      } finally {
        this.setData({ sending: false })
      }
    },
  },
})
