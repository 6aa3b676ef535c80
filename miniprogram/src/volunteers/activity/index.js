// One 志愿活动: when, where, the places (and roles), my sign-up. 报名 asks consent for the
// reminder first (inside the tap, where WeChat allows it; the answer is kept, lib/settings.js)
// and sends one Idempotency-Key per sign-up: a tap re-sent after a lost answer is one sign-up.
// A full activity puts me on its waitlist with my position; 取消报名 hands my place to the first
// waitlisted. At the place I check in and out by scanning the leader's rotating QR.
// A message opens this page (MP_VOLUNTEER_PAGE): ?id= an activity, ?call= an urgent call.
const api = require('../../lib/api')
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const settings = require('../../lib/settings')
const volunteers = require('../volunteers')

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', error: null, a: null, role: '', acting: '', note: '', actionError: null },
  methods: {
    onLoad(query = {}) {
      if (query.call) {
        wx.redirectTo({ url: `/volunteers/call/index?id=${query.call}` })
        return
      }
      this.id = Number(query.id) || 0
      this.templates = []
      settings.templates('volunteer').then(ids => { this.templates = ids })
      this.load()
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      if (!this.id) {
        this.setData({ state: 'error', error: { title: '没有找到这场活动', next: '请回到志愿服务列表重新打开。' } })
        return
      }
      try {
        this.show(await api.get(`/volunteers/activities/${this.id}`))
      } catch (e) {
        this.setData({ state: 'error', error: volunteers.explain(e) })
      }
    },

    show(activity) {
      this.setData({ state: 'shown', error: null, a: volunteers.view(activity) })
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    chooseRole(e) { this.setData({ role: e.currentTarget.dataset.name, actionError: null }) },

    // 报名: consent to the reminder asked on the tap, then one sign-up under one key.
    async signUp() {
      if (this.busy) return               // a second tap while the first is on its way
      const { a, role } = this.data
      if (a.roles.length && !role) {
        this.setData({ actionError: volunteers.explain(new errors.ApiError({ kind: 'bad_role' })) })
        return
      }
      this.busy = true
      try {
        const chosen = await settings.ask('volunteer', this.templates)
        this.reminded = !!chosen && this.templates.every(id => chosen[id] === 'accept')
        this.pending = { key: api.newKey('volunteer'), role }
        await this.sendSignUp()
      } finally {
        this.busy = false
      }
    },

    async sendSignUp() {
      const { key, role } = this.pending
      this.setData({ acting: 'signup', actionError: null, note: '' })
      try {
        const { status, data } = await api.post(`/volunteers/activities/${this.id}/signup`, role ? { role } : {}, {
          header: { 'Idempotency-Key': key }, withStatus: true,
        })
        this.pending = null
        this.show(data)
        const s = data.signup
        const reminder = this.reminded ? '活动前一天会在微信里提醒您。' : ''
        this.setData({
          note: s.state === 'waitlisted'
            ? '名额已满，已为您排进候补。'
            : status === 201 ? `报名成功！${reminder}` : '您已经报过名了。',
        })
      } catch (e) {
        const error = volunteers.explain(e)
        if (volunteers.retryable(error.kind)) {
          // it may have reached the server: the same key again is answered with that sign-up
          this.setData({ actionError: { ...error, again: true } })
          return
        }
        this.pending = null
        this.setData({ actionError: error })
      } finally {
        this.setData({ acting: '' })
      }
    },

    async sendAgain() {
      if (this.busy || !this.pending) return
      this.busy = true
      try {
        await this.sendSignUp()
      } finally {
        this.busy = false
      }
    },

    async cancel() {
      if (this.busy) return
      const { a } = this.data
      this.busy = true
      try {
        const answer = await wx.showModal({
          title: '取消报名？',
          content: a.lateCancel
            ? `离活动开始已不到${a.late_cancel_hours}小时，现在取消会记为迟取消。`
            : a.my.state === 'waitlisted' ? '您将退出候补。' : '您的名额会让给候补的邻居。',
          confirmText: '取消报名', cancelText: '不取消',
        })
        if (!answer.confirm) return
        await this.act('cancel', `/volunteers/activities/${this.id}/cancel`, {}, '已取消报名。')
      } finally {
        this.busy = false
      }
    },

    checkIn() { return this.scan('check-in', '签到成功！活动结束时请再扫一次码签退。') },
    checkOut() { return this.scan('check-out', '签退成功！服务时长由队长确认后计入您的记录。') },

    // 扫码: the leader's phone shows the activity's QR; its payload goes to the backend as read.
    async scan(action, done) {
      if (this.busy) return
      this.busy = true
      try {
        let scanned
        try {
          scanned = await wx.scanCode({ onlyFromCamera: true, scanType: ['qrCode'] })
        } catch (e) {
          return                          // the resident closed the camera
        }
        await this.act(action, `/volunteers/activities/${this.id}/${action}`, { qr: scanned.result || '' }, done)
      } finally {
        this.busy = false
      }
    },

    async act(action, path, body, done) {
      this.setData({ acting: action, actionError: null, note: '' })
      try {
        this.show(await api.post(path, body))
        this.setData({ note: done })
      } catch (e) {
        this.setData({ actionError: volunteers.explain(e) })
        if (['conflict', 'already_checked_in', 'already_checked_out', 'started', 'hours_confirmed'].includes(e.kind)) {
          await this.load()               // what stands on the server is what the page shows
        }
      } finally {
        this.setData({ acting: '' })
      }
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
