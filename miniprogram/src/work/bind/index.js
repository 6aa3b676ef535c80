// 绑定: the one-time code from the console binds this WeChat to the staff member's account;
// then the queue opens. A refused code says why (used, expired, wrong) and stays in the box.
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const session = require('../session')

Component({
  behaviors: [care.behavior],
  data: { bindCode: '', busy: false, error: null },
  methods: {
    typeCode(e) { this.setData({ bindCode: e.detail.value, error: null }) },

    async bind() {
      if (this.data.busy) return
      const code = this.data.bindCode.trim()
      if (!code) {
        this.setData({ error: { title: '请输入绑定码', next: '' } })
        return
      }
      this.setData({ busy: true, error: null })
      try {
        const s = await session.bind(code)
        this.setData({ busy: false })
        wx.showToast({ title: `已绑定：${s.staff.name}`, icon: 'success' })
        wx.redirectTo({ url: '/work/queue/index' })
      } catch (e) {
        const shown = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
        this.setData({ busy: false, error: { title: shown.title, next: shown.status >= 400 && shown.status < 500 ? '' : shown.next } })
      }
    },
  },
})
