// 关怀模式 (care mode): large type and large touch targets for residents who need them. On when
// the resident turns it on in 我的, or, until they choose, when the phone's own font size is
// large. Pages mix in `behavior` and put `care` on their root view's class (app.wxss .care).
const KEY = 'linli.care'
const LARGE_SYSTEM_FONT = 20            // px: WeChat's 字体大小 setting from its third step up

function systemFontSize() {
  try {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync()
    return Number(info.fontSizeSetting) || 16
  } catch (e) {
    return 16
  }
}

function enabled() {
  const choice = wx.getStorageSync(KEY)
  if (choice === 'on') return true
  if (choice === 'off') return false
  return systemFontSize() >= LARGE_SYSTEM_FONT
}

function choose(on) {
  wx.setStorageSync(KEY, on ? 'on' : 'off')
}

const behavior = Behavior({
  data: { care: false },
  lifetimes: {
    attached() { this.setData({ care: enabled() }) },
  },
  pageLifetimes: {
    // back from 我的 after switching it: every page follows at once
    show() { if (this.data.care !== enabled()) this.setData({ care: enabled() }) },
  },
})

module.exports = { KEY, enabled, choose, behavior, systemFontSize }
