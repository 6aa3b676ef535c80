const api = require('../../lib/api')
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const session = require('../../lib/session')
const { describe } = require('../../lib/address')

// 138****0000: the page may be on screen where others see it; the resident knows their number.
function masked(phone) {
  return phone && phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone || ''
}

Component({
  behaviors: [care.behavior],
  data: { address: describe(null), phone: '', phoneShown: '', error: null, loaded: false },
  methods: {
    onShow() { this.load() },

    async load() {
      try {
        const me = await api.get('/me')
        session.remember(me)
        this.setData({ address: describe(me.address), phone: me.phone || '', phoneShown: masked(me.phone), error: null, loaded: true })
      } catch (e) {
        this.setData({ error: { title: e.title, next: e.next }, loaded: true })
      }
    },

    editAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
    goCases() { wx.switchTab({ url: '/pages/cases/index' }) },
    goBuilding() { wx.navigateTo({ url: '/building/index' }) },
    goCoupons() { wx.navigateTo({ url: '/redcard/coupons/index' }) },
    goCounter() { wx.navigateTo({ url: '/counter/home/index' }) },
    goWork() { wx.navigateTo({ url: '/work/queue/index' }) },

    toggleCare(e) {
      const on = !!e.detail.value
      care.choose(on)
      this.setData({ care: on })
    },

    // The getPhoneNumber button's one-time code; the number itself never passes through here.
    async bindPhone(e) {
      const code = e.detail && e.detail.code
      if (!code) return           // the resident declined on WeChat's sheet
      try {
        const me = await api.post('/me/phone', { code })
        session.remember(me)
        this.setData({ phone: me.phone || '', phoneShown: masked(me.phone) })
        wx.showToast({ title: '已绑定', icon: 'success' })
      } catch (err) {
        // a code WeChat refused (used, expired): the way out is another tap, not "check the form"
        if (err.code === 'bad_code') {
          wx.showModal({ title: err.title, content: '请再点一次“绑定手机号”，在微信弹窗中选择“允许”。', showCancel: false, confirmText: '知道了' })
        } else {
          errors.show(err)
        }
      }
    },
  },
})
