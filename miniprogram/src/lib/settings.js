// What the backend says this build should know (GET /settings): the subscribe-message templates
// it sends with. Asked when a page that needs it opens; the last answer, kept in storage,
// stands in while the network is down.
const api = require('./api')

const KEY = 'linli.settings'

async function load() {
  try {
    const settings = await api.get('/settings', undefined, { auth: false })
    wx.setStorageSync(KEY, settings)
    return settings
  } catch (e) {
    return wx.getStorageSync(KEY) || null
  }
}

// The template ids to ask consent to for `purpose` ('case' | 'coupon' | 'volunteer'); [] when the backend
// sends none (or cannot be asked), and then the resident is not asked at all.
async function templates(purpose) {
  const settings = await load()
  const id = settings && settings.subscribe_templates && settings.subscribe_templates[purpose]
  return id ? [id] : []
}

// Ask consent to `tmplIds` inside a tap (WeChat shows its sheet only then) and keep what the
// resident chose per purpose ({template id: 'accept' | 'reject' | 'ban' | 'fail', at}), so a page
// can say whether a message will come. Resolves that answer, or null when nothing was asked;
// it never fails: whatever the answer, what the tap was for goes on.
const CHOSEN = 'linli.subscribe'

function ask(purpose, tmplIds) {
  if (!tmplIds || !tmplIds.length) return Promise.resolve(null)
  const keep = answers => {
    const chosen = wx.getStorageSync(CHOSEN) || {}
    chosen[purpose] = { ...answers, at: new Date().toISOString() }
    wx.setStorageSync(CHOSEN, chosen)
    return chosen[purpose]
  }
  return new Promise(resolve => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: res => resolve(keep(Object.fromEntries(tmplIds.map(id => [id, res[id] || 'reject'])))),
      fail: () => resolve(keep(Object.fromEntries(tmplIds.map(id => [id, 'fail'])))),
    })
  })
}

function chosen(purpose) {
  return (wx.getStorageSync(CHOSEN) || {})[purpose] || null
}

module.exports = { KEY, CHOSEN, load, templates, ask, chosen }
