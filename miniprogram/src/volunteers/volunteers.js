// How 志愿服务 reads to a resident, shared by the subpackage's pages (kept here, not in lib/, so
// the main package does not carry it): an activity's time and places, my sign-up (confirmed,
// waitlisted with my position, checked in and out, confirmed hours), what I may do now, hours
// in words, and refusals with their next step (lib/errors.js NEXT_STEPS).
const errors = require('../lib/errors')
const { day, clock, span, hours } = require('../lib/service-hours')

const EARLY_MS = 3600 * 1000          // check-in opens an hour before the start (volunteers/attendance.py)
const MEMBERSHIP = {
  pending: { text: '待队长审核', theme: 'warning' },
  approved: { text: '已加入', theme: 'success' },
  declined: { text: '未通过', theme: 'danger' },
  left: { text: '已退出', theme: 'default' },
}
// Where the general next step does not fit a volunteer's page.
const NEXT = {
  address_not_confirmed: '志愿服务面向本社区居民：请先在“我的”里填写住址，等楼长或网格员确认后再来。',
  not_found: '它可能已被取消，或不面向您所在的楼栋，请回到列表看看。',
  conflict: '请下拉刷新后再看。',
}

function membership(team) {
  const m = team.membership
  if (!m) return { text: '', theme: 'default', canJoin: true }
  const shown = MEMBERSHIP[m.state] || MEMBERSHIP.left
  const text = m.role === 'leader' && m.state === 'approved' ? '队长' : shown.text
  return { text, theme: shown.theme, canJoin: m.state === 'declined' || m.state === 'left' }
}

// My sign-up in words: 已报名 / 候补第N位 / 已签到 … / 服务N小时 (once the leader confirmed it).
function mine(s, hoursConfirmed) {
  if (!s || s.state === 'cancelled') return { text: s ? '已取消报名' : '未报名', theme: 'default' }
  if (s.state === 'waitlisted') return { text: `候补第${s.waitlist_position}位`, theme: 'warning' }
  if (hoursConfirmed) {
    return s.no_show ? { text: '未到场', theme: 'danger' }
      : { text: `服务${hours(s.minutes || 0)}（已确认）`, theme: 'success' }
  }
  if (s.checked_out_at) return { text: `已签退 ${clock(s.checked_out_at)}`, theme: 'success' }
  if (s.checked_in_at) return { text: `已签到 ${clock(s.checked_in_at)}`, theme: 'success' }
  return { text: '已报名', theme: 'primary' }
}

// An activity (entry or detail) with what the pages show of it and what I may do at `now`.
function view(a, now = Date.now()) {
  const start = Date.parse(a.starts_at)
  const end = Date.parse(a.ends_at)
  const s = a.signup && a.signup.state !== 'cancelled' ? a.signup : null
  const open = a.state === 'open' && !a.hours_confirmed
  const started = now >= start
  const full = a.taken >= a.capacity
  const me = mine(a.signup, a.hours_confirmed)
  return {
    ...a,
    my: a.signup || {},
    when: span(a),
    placesText: `已报${a.taken}/${a.capacity}人`,
    full,
    roleRows: (a.roles || []).map(r => ({ ...r, left: r.capacity - r.taken, full: r.taken >= r.capacity })),
    stateText: a.state === 'cancelled' ? '已取消' : a.hours_confirmed ? '已结束' : started ? (now > end ? '已结束' : '进行中') : full ? '已满，可候补' : '报名中',
    stateTheme: a.state === 'cancelled' || a.hours_confirmed ? 'default' : full ? 'warning' : 'primary',
    mineText: me.text,
    mineTheme: me.theme,
    signedUp: !!s,
    canSignUp: open && !started && !s,
    canCancel: open && !started && !!s,
    canCheckIn: open && !!s && s.state === 'confirmed' && !s.checked_in_at && now >= start - EARLY_MS && now <= end,
    checkInLater: open && !!s && s.state === 'confirmed' && !s.checked_in_at && now < start - EARLY_MS,
    canCheckOut: open && !!s && !!s.checked_in_at && !s.checked_out_at,
    lateCancel: !started && now > start - (a.late_cancel_hours || 0) * 3600 * 1000,
  }
}

// A failure as the pages say it: a title and what to do next, never a raw code.
function explain(e) {
  const error = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
  return { title: error.title, next: NEXT[error.kind] || error.next, kind: error.kind,
    address: error.kind === 'address_not_confirmed' }
}

// Failures where a sign-up or an answer may have reached the server: sent again as it was (the
// same Idempotency-Key, the same answer), which the backend answers with the first one.
function retryable(kind) {
  return ['offline', 'timeout', 'server_down', 'server_error'].includes(kind)
}

module.exports = { view, mine, membership, hours, span, day, clock, explain, retryable }
