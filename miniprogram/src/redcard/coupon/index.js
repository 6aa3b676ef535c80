// One coupon, shown at the counter: a QR code the clerk scans, and its code as text for typing.
// The QR payload is signed and good for 90 s; a fresh one is fetched every qr_refresh_seconds
// while the page is on screen, so a screenshot passed around stops working. The screen is made
// bright (and kept on) while the QR shows, and given back as it was when the page goes away.
// A used or expired coupon shows its state and date, and no QR.
const api = require('../../lib/api')
const care = require('../../lib/care')
const terms = require('../terms')

const RETRY_SECONDS = 10        // a failed refresh: the last payload still has ~30 s, try again soon

Component({
  behaviors: [care.behavior],
  data: { loaded: false, coupon: null, qr: '', usable: false, error: null, stale: false },
  methods: {
    onLoad(query = {}) {
      this.couponId = Number(query.id)
      this.onScreen = true
      this.load()
    },

    onShow() {
      if (this.onScreen) return               // the first show comes with onLoad, which loads
      this.onScreen = true
      if (this.data.usable) {
        this.brighten()
        this.refresh()                         // back from another page: the payload may be stale
      }
    },

    onHide() { this.leave() },

    onUnload() { this.leave() },

    leave() {
      this.onScreen = false
      this.stopTimer()
      this.restoreBrightness()
    },

    async load() {
      this.setData({ error: null })
      try {
        this.showUsable(await api.get(`/coupons/${this.couponId}/qr`))
      } catch (e) {
        if (e.code === 'not_usable') return this.showSpent()
        this.setData({ error: { title: e.title, next: e.next }, loaded: true })
      }
    },

    retry() { this.load() },

    showUsable(c) {
      this.setData({ coupon: terms.coupon(c), qr: c.qr, usable: true, loaded: true, stale: false })
      this.refreshSeconds = c.qr_refresh_seconds || 60
      if (!this.onScreen) return
      this.brighten()
      this.schedule(this.refreshSeconds)
    },

    // Used at the counter or expired: what happened and when, and the screen as it was.
    async showSpent() {
      this.stopTimer()
      this.restoreBrightness()
      try {
        const c = await api.get(`/coupons/${this.couponId}`)
        this.setData({ coupon: terms.coupon(c), qr: '', usable: false, loaded: true, stale: false })
      } catch (e) {
        this.setData({ error: { title: e.title, next: e.next }, qr: '', usable: false, loaded: true })
      }
    },

    schedule(seconds) {
      this.stopTimer()
      this.timer = setTimeout(() => this.refresh(), seconds * 1000)
    },

    stopTimer() {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
    },

    // A fresh payload before the old one runs out.
    async refresh() {
      this.stopTimer()                         // called early (back on screen): one timer only
      try {
        const c = await api.get(`/coupons/${this.couponId}/qr`)
        if (!this.onScreen) return
        this.showUsable(c)
      } catch (e) {
        if (e.code === 'not_usable') return this.showSpent()     // just scanned at the counter
        if (!this.onScreen) return
        this.setData({ stale: true })
        this.schedule(RETRY_SECONDS)
      }
    },

    brighten() {
      wx.setKeepScreenOn({ keepScreenOn: true })
      this.keptOn = true                          // given back on leaving, whatever brightness did
      if (this.brightness !== undefined) return   // raised already: 1 is not the resident's own
      this.brightness = null                      // asked for, not yet known
      wx.getScreenBrightness({
        success: res => {
          if (this.brightness !== null) return    // the page went away before the answer
          this.brightness = res.value
          wx.setScreenBrightness({ value: 1 })
        },
        fail: () => { this.brightness = undefined },
      })
    },

    restoreBrightness() {
      if (this.keptOn) {
        this.keptOn = false
        wx.setKeepScreenOn({ keepScreenOn: false })
      }
      const before = this.brightness
      if (before === undefined) return
      this.brightness = undefined
      if (before !== null) wx.setScreenBrightness({ value: before })
    },
  },
})
