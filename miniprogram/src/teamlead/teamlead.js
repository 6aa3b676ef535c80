// How a volunteer team's leader (a resident, issue 19 item 4) works the team from the phone,
// shared by the subpackage's pages: Beijing dates and times for the post form and the roster,
// the form's draft kept in storage until the post succeeds, the check-in QR fetched as an image
// with the resident's token, and refusals said plainly with the next step.
const api = require('../lib/api')
const errors = require('../lib/errors')
const session = require('../lib/session')
const { clock, span, hours } = require('../lib/service-hours')

const BEIJING_MS = 8 * 3600 * 1000
const DRAFT = 'linli.teamlead.draft.'     // + team id: the typed post form, until it is posted

// Where the general next step does not fit a leader's page.
const NEXT = {
  not_your_team: '只有这支服务队的队长可以打开这里。如果您是队长，请联系社区确认任命。',
  not_found: '它可能已被删除，请回到“我带的队”重新打开。',
  open_check_outs: '请在名单里为他们点“补签退”，再确认服务时长。',
  not_ended: '活动结束以后才能确认服务时长。',
  started: '活动已经开始，不能再取消；有变化请直接告诉队员。',
  not_pending: '这条申请已经处理过了，下拉刷新看看。',
}
// What a failed post says: the field that was wrong, in the leader's words.
const FORM = {
  bad_title: '请填写活动名称（不超过60个字）。',
  bad_place: '请填写活动地点（不超过100个字）。',
  bad_times: '开始时间要晚于现在，结束时间要晚于开始时间，活动不超过7天。',
  bad_capacity: '招募人数应为1到1000人。',
  bad_roles: '岗位每行一个，名称加人数，如“搬运 4”；最多10个岗位。',
}

// Today in Beijing as the date picker writes it (YYYY-MM-DD), `days` on.
function beijingDate(days = 0, now = Date.now()) {
  return new Date(now + BEIJING_MS + days * 86400000).toISOString().slice(0, 10)
}
// A picker's date and time as the API takes them: Beijing time, its offset written out.
function moment(date, time) { return date && time ? `${date}T${time}:00+08:00` : null }

// "搬运 4\n登记 2" → {搬运: 4, 登记: 2}; a line without a number is kept as 0 for the API to refuse.
function parseRoles(text) {
  const roles = {}
  for (const line of String(text || '').split('\n')) {
    const m = line.trim().match(/^(.*?)[\s:：]*(\d+)\s*人?$/)
    if (m && m[1].trim()) roles[m[1].trim()] = Number(m[2])
    else if (line.trim()) roles[line.trim()] = 0
  }
  return roles
}

function blankForm(now = Date.now()) {
  return { title: '', place: '', description: '', startDate: beijingDate(1, now), startTime: '09:00',
    endDate: beijingDate(1, now), endTime: '11:00', byRoles: false, capacity: '10', roles: '' }
}
function draft(teamId) { return wx.getStorageSync(DRAFT + teamId) || null }
function keepDraft(teamId, value) { wx.setStorageSync(DRAFT + teamId, value) }
function dropDraft(teamId) { wx.removeStorageSync(DRAFT + teamId) }

// The form as the API's body.
function body(form) {
  const made = { title: form.title, place: form.place, description: form.description,
    starts_at: moment(form.startDate, form.startTime), ends_at: moment(form.endDate, form.endTime) }
  if (form.byRoles) made.roles = parseRoles(form.roles)
  else made.capacity = /^\d+$/.test(String(form.capacity).trim()) ? Number(form.capacity) : null
  return made
}

// An activity as the leader's pages show it at `now`.
function view(a, now = Date.now()) {
  const start = Date.parse(a.starts_at)
  const end = Date.parse(a.ends_at)
  const cancelled = a.state === 'cancelled'
  const ended = now >= end
  return {
    ...a,
    when: span(a),
    placesText: `已报${a.taken}/${a.capacity}人`,
    stateText: cancelled ? '已取消' : a.hours_confirmed ? '时长已确认' : ended ? '待确认时长' : now >= start ? '进行中' : '未开始',
    stateTheme: cancelled || a.hours_confirmed ? 'default' : ended ? 'warning' : 'primary',
    canShowQr: !cancelled && !a.hours_confirmed && now >= start - 3600 * 1000 && !ended,
    canMark: !cancelled && !a.hours_confirmed,
    canConfirm: !cancelled && !a.hours_confirmed && ended,
    canCancel: !cancelled && now < start,
  }
}

// A roster line: who, where they stand, and the hand marks the leader may make.
function rosterLine(s, a) {
  const marking = a.canMark && s.state === 'confirmed'
  let status = s.state === 'waitlisted' ? '候补' : s.state === 'cancelled' ? (s.late_cancel ? '迟取消' : '已取消') : '未签到'
  if (s.state === 'confirmed') {
    if (a.hours_confirmed) status = s.no_show ? '未到' : `服务${hours(s.minutes || 0)}`
    else if (s.checked_out_at) status = `${clock(s.checked_in_at)}–${clock(s.checked_out_at)}`
    else if (s.checked_in_at) status = `${clock(s.checked_in_at)} 已签到，未签退`
  }
  return { ...s, status, role: s.role || '', openOut: !!s.checked_in_at && !s.checked_out_at,
    canIn: marking && !s.checked_in_at, canOut: marking && !!s.checked_in_at && !s.checked_out_at }
}

// A failure as the pages say it: a title and what to do next, never a raw code.
function explain(e) {
  const error = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
  const code = error.code || error.kind
  return { title: error.title, next: FORM[code] || NEXT[code] || NEXT[error.kind] || error.next, kind: error.kind,
    code, forbidden: error.status === 403 }
}

// Failures where a post or a mark may have reached the server: sent again as it was.
function retryable(kind) {
  return ['offline', 'timeout', 'server_down', 'server_error'].includes(kind)
}

// The check-in QR as a PNG file on the phone: <image> cannot send the token, so the picture is
// downloaded with it (wx.downloadFile) and shown from the temporary file.
async function qrImage(activityId) {
  const fetch = token => new Promise((resolve, reject) => wx.downloadFile({
    url: `${api.base()}/volunteers/lead/activities/${activityId}/qr.png`,
    header: { Authorization: `Bearer ${token}` },
    success: res => (res.statusCode === 200 ? resolve(res.tempFilePath)
      : reject(errors.fromResponse({ statusCode: res.statusCode, data: res.data }))),
    fail: res => reject(errors.fromTransport(res.errMsg)),
  }))
  try {
    return await fetch(await session.token(api.raw))
  } catch (e) {
    if (e.status !== 401) throw e
    session.forget()
    return fetch((await session.signIn(api.raw)).token)
  }
}

module.exports = { view, rosterLine, explain, retryable, qrImage, blankForm, body, draft, keepDraft, dropDraft,
  parseRoles, hours, span, clock, beijingDate }
