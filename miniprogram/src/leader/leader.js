// What the leader's pages share: the door list from GET /staff/rounds/mine, the time said in
// Beijing time, the words for a mark, and the marks not yet answered, kept in storage so a mark
// tapped on a weak connection is neither lost nor sent twice to no purpose (the API takes the
// same mark again as the same mark).
const session = require('../lib/staff_session')

const MARKS = { informed: '已告知', not_home: '不在家', declined: '拒绝', open: '未上门' }
const OUTBOX = 'linli.leader.marks'

// "11月27日 19:12" in Beijing time, whatever the phone's zone.
function time(iso) {
  if (!iso) return ''
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000)
  const pad = n => String(n).padStart(2, '0')
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

function mine() {
  return session.call({ path: '/staff/rounds/mine' })
}

// {item id: {state, round}}: marks tapped whose answer has not come back.
function pending() {
  return wx.getStorageSync(OUTBOX) || {}
}

function keep(itemId, fields) {
  const all = pending()
  if (fields) all[itemId] = fields
  else delete all[itemId]
  wx.setStorageSync(OUTBOX, all)
}

// Not bound yet: the bind page (which comes back through work/queue, and so here).
function notBound(e) {
  if (e && e.code === 'not_bound') {
    wx.redirectTo({ url: '/work/bind/index' })
    return true
  }
  return false
}

function shown(e) {
  return { title: (e && e.title) || '出了点问题', next: (e && e.next) || '' }
}

module.exports = { MARKS, time, mine, pending, keep, notBound, shown }
