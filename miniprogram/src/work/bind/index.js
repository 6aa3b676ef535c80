// 绑定: the one-time code from the console binds this WeChat to the staff member's account;
// then the queue opens. A refused code says why (used, expired, wrong) and stays in the box —
// except "used" when this very WeChat used it: a bind whose answer was lost on a weak connection
// did bind, and 绑定 again is refused (410). So that refusal first tries the bound WeChat's own
// sign-in (/staff/wx-login); only when this WeChat is not bound is the refusal shown.
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const session = require('../session')

async function bindOrSignIn(code) {
  try {
    return await session.bind(code)
  } catch (e) {
    if (e.code !== 'binding_code_used') throw e
    try {
      return await session.signIn()
    } catch (again) {
      throw e              // not bound here (or no answer): the refusal is what to say
    }
  }
}

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
        const s = await bindOrSignIn(code)
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
