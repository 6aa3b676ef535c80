// 绑定商户: the owner or clerk types the one-time binding code the community gave them; this
// WeChat is then theirs at the counter (wx.login's code names the WeChat to the backend).
// A bind whose answer was lost (weak signal) may have bound: the code is then spent, and 绑定
// again is refused 400 bad_binding_code. After such a lost answer that refusal first tries this
// WeChat's own sign-in (/merchant/login) and opens the counter if it works. Only then: the same
// refusal also means a mistyped code, and a clerk of one shop mistyping another shop's code must
// be told, not silently let into the first shop's counter.
const care = require('../../lib/care')
const merchant = require('../lib/merchant')

const TRANSPORT = ['offline', 'timeout', 'server_down', 'server_error']

Component({
  behaviors: [care.behavior],
  data: { code: '', busy: false, error: null },
  methods: {
    onLoad() {},

    typeCode(e) { this.setData({ code: e.detail.value, error: null }) },

    async bind() {
      const code = this.data.code.trim()
      if (!code) return this.setData({ error: { title: '请输入绑定码', next: '绑定码由社区工作人员在后台生成，10 位字母和数字。' } })
      if (this.data.busy) return
      this.setData({ busy: true, error: null })
      try {
        await this.bindOrSignIn(code)
        wx.redirectTo({ url: '/counter/home/index' })
      } catch (e) {
        const next = e.code === 'bad_binding_code' ? '绑定码只能用一次，24 小时内有效。请联系社区工作人员重新生成。'
          : e.code === 'already_bound' ? '直接进入核销台即可。' : e.next
        this.setData({ error: { title: e.title, next, bound: e.code === 'already_bound' } })
      } finally {
        this.setData({ busy: false })
      }
    },

    async bindOrSignIn(code) {
      try {
        await merchant.bind(code)
      } catch (e) {
        if (TRANSPORT.includes(e.kind)) this.unanswered = code
        if (e.code !== 'bad_binding_code' || this.unanswered !== code) throw e
        try {
          await merchant.signIn()
        } catch (again) {
          throw e            // this WeChat is not bound after all: the refusal is what to say
        }
      }
      this.unanswered = null
    },

    goCounter() { wx.redirectTo({ url: '/counter/home/index' }) },
  },
})
