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

// The template ids to ask consent to for `purpose` ('case' | 'coupon'); [] when the backend
// sends none (or cannot be asked), and then the resident is not asked at all.
async function templates(purpose) {
  const settings = await load()
  const id = settings && settings.subscribe_templates && settings.subscribe_templates[purpose]
  return id ? [id] : []
}

module.exports = { KEY, load, templates }
