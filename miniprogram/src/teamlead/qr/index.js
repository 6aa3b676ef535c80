// 签到码: the activity's rotating signed QR, big on the leader's phone for the volunteers to scan.
// The backend draws it (GET …/qr.png, the same payload as …/qr); a payload is good for 90 s and
// the page fetches a fresh one every `rotate_seconds` (60) while it is on screen, so the code
// shown is always good and a screenshot sent around stops working. The screen is made bright and
// kept on while it shows, and given back as it was when the page goes away.
const api = require('../../lib/api')
const care = require('../../lib/care')
const teamlead = require('../teamlead')

const RETRY_SECONDS = 10        // a failed refresh: the code shown still has ~30 s, try again soon

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', error: null, image: '', stale: false, a: null },
  methods: {
    onLoad(query = {}) {
      this.id = Number(query.id) || 0
      this.onScreen = true
      this.brighten()
      this.load()
    },

    onShow() {
      if (this.onScreen) return
      this.onScreen = true
      this.brighten()
      this.refresh()
    },

    onHide() { this.leave() },
    onUnload() { this.leave() },

    leave() {
      this.onScreen = false
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      this.restore()
    },

    async load() {
      try {
        const a = await api.get(`/volunteers/activities/${this.id}`)
        this.setData({ a: teamlead.view(a) })
      } catch (e) {
        // the title is a nicety; the QR route says whether this is my team's activity
      }
      await this.refresh()
    },

    // The JSON route first: it answers a refusal in words (403 not_your_team) and says how often
    // to come back; then the picture of the payload.
    async refresh() {
      if (this.timer) clearTimeout(this.timer)
      try {
        const qr = await api.get(`/volunteers/lead/activities/${this.id}/qr`)
        const image = await teamlead.qrImage(this.id)
        this.payload = qr.qr
        this.setData({ state: 'shown', image, stale: false, error: null })
        this.schedule(qr.rotate_seconds || 60)
      } catch (e) {
        const error = teamlead.explain(e)
        if (this.data.state === 'shown' && !error.forbidden) {
          this.setData({ stale: true })       // the code on screen stays while it is good
          this.schedule(RETRY_SECONDS)
        } else {
          this.setData({ state: 'error', error })
        }
      }
    },

    schedule(seconds) {
      if (!this.onScreen) return
      this.timer = setTimeout(() => this.refresh(), seconds * 1000)
    },

    retry() {
      this.setData({ state: 'loading' })
      this.refresh()
    },

    brighten() {
      wx.setKeepScreenOn({ keepScreenOn: true })
      wx.getScreenBrightness({ success: r => {
        if (this.brightness === undefined) this.brightness = r.value
        wx.setScreenBrightness({ value: 1 })
      } })
    },

    restore() {
      wx.setKeepScreenOn({ keepScreenOn: false })
      if (this.brightness !== undefined) wx.setScreenBrightness({ value: this.brightness })
      this.brightness = undefined
    },

    toRoster() { wx.navigateBack() },
  },
})
