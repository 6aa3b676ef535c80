// 志愿服务 (issue 18): a resident joins a team that asks for approval and sees the request
// pending until the leader approves; signs up for an activity whose last place another took and
// is waitlisted with a position, then promoted when that one cancels; checks in by scanning the
// leader's QR (a stale one refused with the plain message); reads only confirmed hours in the
// record and on the certificate; answers an urgent call 来 once however often tapped. Every step
// is checked in the database. Teams, leaders, activities and QR payloads come from the real staff
// API (the secretary, tianbing) and the leader's routes (a resident appointed leader); the test
// backend's control server only mints a stale QR and moves an activity into the past.
const { snapshot } = require('./helpers/screenshot')
const { open, tap, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')

const TEMPLATE = 'tmpl-mp-volunteer'       // tests/miniprogram_backend.py MP_VOLUNTEER_TEMPLATE_ID
const MINUTE = 60 * 1000
const run = Date.now().toString(36)
let people = 0

function ok(answer, what) {
  if (answer.status >= 200 && answer.status < 300) return answer.data
  throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.data)}`)
}

async function secretary() {
  return stories.staffToken('tianbing')
}

function home() {
  return stories.household({ estate: '丰泽园小区', name: '1号楼', room: '301' })
}

// Another resident of the community (not the phone's), with a confirmed address.
async function neighbour() {
  people += 1
  return stories.residentOf(await home(), { openid: `o-vol-${run}-${people}` })
}

// The phone now belongs to a new resident with a confirmed address: the pages sign in as them.
async function handPhoneTo() {
  people += 1
  phone.phone.openid = `o-vol-phone-${run}-${people}`
  phone.storage.clear()
  return stories.residentOf(await home())
}

async function createTeam({ needsApproval = false, name = '楼道清洁队' } = {}) {
  const [{ community_id }] = await backend.sql('SELECT community_id FROM building WHERE id = ?', (await home()).building_id)
  return ok(await backend.api('POST', '/staff/volunteers/teams', {
    token: await secretary(), body: { community_id, name: `${name} ${run}`, needs_approval: needsApproval },
  }), 'create a team')
}

// A resident appointed the team's leader by the secretary: they work the leader's routes.
async function leaderOf(team) {
  const leader = await neighbour()
  ok(await backend.api('POST', `/staff/volunteers/teams/${team.id}/leaders`, {
    token: await secretary(), body: { resident_id: leader.id },
  }), 'appoint a leader')
  return leader
}

async function postActivity(team, { startsIn = 48 * 60, minutes = 120, capacity = 5, title = '清理楼道杂物' } = {}) {
  const start = Date.now() + startsIn * MINUTE
  return ok(await backend.api('POST', `/staff/volunteers/teams/${team.id}/activities`, {
    token: await secretary(),
    body: {
      title: `${title} ${run}`, place: '1号楼下', description: '带上手套，垃圾袋社区准备。',
      starts_at: new Date(start).toISOString(), ends_at: new Date(start + minutes * MINUTE).toISOString(), capacity,
    },
  }), 'post an activity')
}

function signUpBy(resident, activity, key = `k-${Math.random().toString(36).slice(2)}`) {
  return backend.api('POST', `/volunteers/activities/${activity.id}/signup`, {
    token: resident.token, body: {}, headers: { 'Idempotency-Key': key },
  })
}

// The leader's screen: the activity's rotating payload, fetched as the leader's phone fetches it.
async function leaderQr(leader, activity) {
  return ok(await backend.api('GET', `/volunteers/lead/activities/${activity.id}/qr`, { token: leader.token }), 'qr').qr
}

function signups(activity) {
  return backend.sql('SELECT resident_id, state, promoted_at, checked_in_at, checked_in_by, checked_out_at, minutes ' +
    'FROM volunteer_signup WHERE activity_id = ? ORDER BY id', activity.id)
}

function hours(minutes) {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return h ? `${h}小时${m ? `${m}分钟` : ''}` : `${m}分钟`
}

test('a resident asks to join a team that needs approval: pending until the leader approves', async () => {
  const team = await createTeam({ needsApproval: true, name: '助老服务队' })
  const me = await handPhoneTo()
  const leader = await leaderOf(team)

  const activities = await open('volunteers/activities/index')
  await tap(activities, '#to-teams')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/volunteers/teams/index' }))

  const page = await open('volunteers/teams/index')
  expect(text(page, `#team-${team.id}`)).toContain(`助老服务队 ${run}`)
  expect(text(page, `#team-${team.id}`)).toContain('入队需队长审核')
  await tap(page, `#join-${team.id}`)
  expect(text(page, `#membership-${team.id}`)).toBe('待队长审核')
  expect(text(page, '#note')).toContain('等队长审核')
  expect(page.querySelector(`#join-${team.id}`)).toBeFalsy()      // asked once: no second request to tap
  const asked = () => backend.sql('SELECT state, role FROM volunteer_team_member WHERE team_id = ? AND resident_id = ?', team.id, me.id)
  expect(await asked()).toEqual([{ state: 'pending', role: 'member' }])
  snapshot(page, 'volunteers-teams')

  // the team's leader (a resident) approves it from the leader's routes
  const pending = ok(await backend.api('GET', `/volunteers/lead/teams/${team.id}/members`, { token: leader.token }), 'members')
  expect(pending.pending.map(p => p.resident_id)).toEqual([me.id])
  ok(await backend.api('POST', `/volunteers/lead/teams/${team.id}/members/decide`, {
    token: leader.token, body: { resident_id: me.id, approve: true },
  }), 'approve')
  await page.instance.onShow()                // back on the page later
  await phone.settle()
  expect(text(page, `#membership-${team.id}`)).toBe('已加入')
  expect(await asked()).toEqual([{ state: 'approved', role: 'member' }])
})

test('the last place taken by another: waitlisted with a position, promoted when they cancel', async () => {
  const team = await createTeam()
  const activity = await postActivity(team, { capacity: 1, title: '社区义诊引导' })
  const other = await neighbour()
  expect((await signUpBy(other, activity)).status).toBe(201)       // the last place, taken first
  const me = await handPhoneTo()

  const list = await open('volunteers/activities/index')
  expect(text(list, `#activity-${activity.id}`)).toContain('已满，可候补')
  expect(text(list, `#places-${activity.id}`)).toBe('已报1/1人')
  expect(text(list, `#mine-${activity.id}`)).toBe('未报名')
  snapshot(list, 'volunteers-activities')
  await tap(list, `#activity-${activity.id}`)
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/volunteers/activity/index?id=${activity.id}` }))

  const page = await open('volunteers/activity/index', { id: String(activity.id) })
  expect(text(page, '#title')).toBe(`社区义诊引导 ${run}`)
  expect(text(page, '#place')).toContain('1号楼下')
  expect(page.querySelector('#signup')).toBeTruthy()
  expect(screen(page)).toContain('报名候补')   // a full activity: the tap puts me on the waitlist
  phone.phone.subscribe = 'accept'
  await tap(page, '#signup')
  // consent to the reminder asked on the tap, for the template the backend sends with, and kept
  expect(phone.wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
  expect(phone.wx.requestSubscribeMessage).toHaveBeenLastCalledWith(expect.objectContaining({ tmplIds: [TEMPLATE] }))
  expect(phone.wx.getStorageSync('linli.subscribe').volunteer[TEMPLATE]).toBe('accept')
  expect(text(page, '#mine')).toBe('候补第1位')
  expect(text(page, '#waitlist')).toContain('候补第1位')
  expect(text(page, '#note')).toContain('名额已满')
  expect((await signups(activity)).map(s => [s.resident_id, s.state])).toEqual([[other.id, 'confirmed'], [me.id, 'waitlisted']])
  snapshot(page, 'volunteers-waitlisted')

  // the other cancels (two days ahead: not late); the place moves to me in the same transaction
  ok(await backend.api('POST', `/volunteers/activities/${activity.id}/cancel`, { token: other.token }), 'cancel')
  const after = await signups(activity)
  expect(after.map(s => [s.resident_id, s.state])).toEqual([[other.id, 'cancelled'], [me.id, 'confirmed']])
  expect(after[1].promoted_at).toBeTruthy()
  const told = await backend.sql("SELECT m.kind FROM volunteer_message m JOIN volunteer_signup s ON s.id = m.signup_id " +
    'WHERE s.activity_id = ? AND m.resident_id = ?', activity.id, me.id)
  expect(told).toEqual([{ kind: 'promoted' }])
  await page.instance.onPullDownRefresh()
  await phone.settle()
  expect(text(page, '#mine')).toBe('已报名')
  expect(page.querySelector('#waitlist')).toBeFalsy()
  expect(text(page, '#check-in-later')).toContain('开始前1小时')

  // I cancel in turn, after a confirm dialog (再想想 first: nothing changes)
  phone.phone.modal = { confirm: false }
  await tap(page, '#cancel')
  expect((await signups(activity))[1].state).toBe('confirmed')
  phone.phone.modal = { confirm: true }
  await tap(page, '#cancel')
  expect(phone.wx.showModal).toHaveBeenLastCalledWith(expect.objectContaining({ title: '取消报名？' }))
  expect((await signups(activity))[1].state).toBe('cancelled')
  expect(text(page, '#mine')).toBe('已取消报名')
  const [{ taken }] = await backend.sql('SELECT taken FROM volunteer_activity WHERE id = ?', activity.id)
  expect(taken).toBe(0)
})

test('two taps, and a sign-up re-sent after its answer was lost, are one sign-up', async () => {
  const team = await createTeam()
  const activity = await postActivity(team, { capacity: 5, title: '垃圾分类值守' })
  await handPhoneTo()
  const page = await open('volunteers/activity/index', { id: String(activity.id) })
  phone.phone.subscribe = 'reject'
  // the sign-up reaches the server, but its answer never reaches the phone
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith(`/activities/${activity.id}/signup`)
  await tap(page, '#signup')
  phone.phone.lose = null
  expect(phone.wx.getStorageSync('linli.subscribe').volunteer[TEMPLATE]).toBe('reject')
  expect(text(page, '#action-error')).toContain('超时')
  expect(await signups(activity)).toHaveLength(1)
  // 重新提交 tapped twice: one request, with the first one's key, answered with the same sign-up
  const again = page.instance.sendAgain.bind(page.instance)
  await Promise.all([again(), again()])
  await phone.settle()
  expect(page.querySelector('#action-error')).toBeFalsy()
  expect(text(page, '#note')).toBe('您已经报过名了。')
  expect(text(page, '#mine')).toBe('已报名')
  const sent = phone.log.filter(r => r.method === 'POST' && r.url.endsWith(`/activities/${activity.id}/signup`))
  expect(sent).toHaveLength(2)
  expect(sent[1].header['Idempotency-Key']).toBe(sent[0].header['Idempotency-Key'])
  expect(await signups(activity)).toHaveLength(1)
  const [{ taken }] = await backend.sql('SELECT taken FROM volunteer_activity WHERE id = ?', activity.id)
  expect(taken).toBe(1)
})

test('check-in by scanning the leader\'s QR; a stale one (a screenshot) and another activity\'s are refused', async () => {
  const team = await createTeam()
  const leader = await leaderOf(team)
  const activity = await postActivity(team, { startsIn: 10, minutes: 120, title: '敬老院陪伴' })
  const elsewhere = await postActivity(team, { startsIn: 10, minutes: 60, title: '另一场活动' })
  const me = await handPhoneTo()
  const page = await open('volunteers/activity/index', { id: String(activity.id) })
  await tap(page, '#signup')
  expect(text(page, '#mine')).toBe('已报名')
  expect(page.querySelector('#check-in')).toBeTruthy()        // from an hour before the start

  // the resident closes the camera: nothing is sent
  phone.phone.scan = null
  await tap(page, '#check-in')
  expect(phone.log.filter(r => r.url.endsWith('/check-in'))).toHaveLength(0)

  // a screenshot of the code taken two minutes ago, sent to a friend at home
  phone.phone.scan = { result: (await backend.control('/volunteers/stale-qr', { activity_id: activity.id })).qr }
  await tap(page, '#check-in')
  expect(text(page, '#action-error')).toContain('二维码已过期')
  expect(text(page, '#action-error')).toContain('截图或转发的不能用')
  expect((await signups(activity))[0].checked_in_at).toBeNull()
  snapshot(page, 'volunteers-qr-expired')

  // the code of another activity, scanned at the wrong place
  phone.phone.scan = { result: await leaderQr(leader, elsewhere) }
  await tap(page, '#check-in')
  expect(text(page, '#action-error')).toContain('这是另一场活动的签到码')
  expect((await signups(activity))[0].checked_in_at).toBeNull()

  // the leader's screen now
  phone.phone.scan = { result: await leaderQr(leader, activity) }
  await tap(page, '#check-in')
  expect(page.querySelector('#action-error')).toBeFalsy()
  expect(text(page, '#note')).toContain('签到成功')
  expect(text(page, '#mine')).toMatch(/^已签到 \d\d:\d\d$/)
  expect(page.querySelector('#check-in')).toBeFalsy()
  expect(page.querySelector('#check-out')).toBeTruthy()
  const [row] = await signups(activity)
  expect([row.resident_id, row.checked_in_by]).toEqual([me.id, 'qr'])
  expect(row.checked_in_at).toBeTruthy()
  snapshot(page, 'volunteers-checked-in')

  // the roster the leader sees says the same
  const roster = ok(await backend.api('GET', `/volunteers/lead/activities/${activity.id}/roster`, { token: leader.token }), 'roster')
  expect(roster.items.map(i => [i.resident_id, !!i.checked_in_at])).toEqual([[me.id, true]])
})

test('my record and certificate show only hours the leader confirmed', async () => {
  const team = await createTeam({ name: '环境整治队' })
  const leader = await leaderOf(team)
  const activity = await postActivity(team, { startsIn: 10, minutes: 60, title: '河道捡拾垃圾' })
  const me = await handPhoneTo()
  expect((await signUpBy(me, activity)).status).toBe(201)
  ok(await backend.api('POST', `/volunteers/activities/${activity.id}/check-in`, {
    token: me.token, body: { qr: await leaderQr(leader, activity) },
  }), 'check in')

  let record = await open('volunteers/record/index')
  expect(text(record, `#entry-${activity.id}`)).toContain(`河道捡拾垃圾 ${run}`)
  expect(text(record, `#hours-${activity.id}`)).toBe('待队长确认时长')
  expect(text(record, '#total')).toBe('0分钟')

  // the activity is over (the clock moves 90 minutes on); the resident forgot to check out, and
  // the leader closes it at the end; still not confirmed, so still nothing counts
  await backend.control('/volunteers/shift', { activity_id: activity.id, minutes: 90 })
  ok(await backend.api('POST', `/volunteers/lead/activities/${activity.id}/attendance`, {
    token: leader.token, body: { resident_id: me.id, action: 'check_out' },
  }), 'check out by hand')
  record = await open('volunteers/record/index')
  expect(text(record, `#hours-${activity.id}`)).toBe('待队长确认时长')
  let certificate = await open('volunteers/certificate/index')
  expect(text(certificate, '#none')).toContain('还没有经队长确认的服务时长')
  expect(text(certificate, '#total')).toBe('0分钟')

  ok(await backend.api('POST', `/volunteers/lead/activities/${activity.id}/confirm-hours`, { token: leader.token }), 'confirm')
  const [{ minutes }] = await signups(activity)
  // checked in ten minutes before the start, out at the end: served from the start, an hour
  expect(minutes).toBe(60)
  record = await open('volunteers/record/index')
  expect(text(record, `#hours-${activity.id}`)).toBe(hours(minutes))
  expect(text(record, '#total')).toBe(hours(minutes))
  snapshot(record, 'volunteers-record')
  await tap(record, '#certificate')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/volunteers/certificate/index' }))

  certificate = await open('volunteers/certificate/index')
  expect(text(certificate, '#total')).toBe(hours(minutes))
  expect(text(certificate, '#line-0')).toContain(`河道捡拾垃圾 ${run}`)
  expect(text(certificate, '#line-0')).toContain(hours(minutes))
  expect(certificate.querySelector('#line-1')).toBeFalsy()
  const [{ name }] = await backend.sql('SELECT c.name FROM community c JOIN resident r ON r.community_id = c.id WHERE r.id = ?', me.id)
  expect(text(certificate, '#community')).toBe(name)
  snapshot(certificate, 'volunteers-certificate')

  // the activity page says the same, and offers no check-in or check-out any more
  const page = await open('volunteers/activity/index', { id: String(activity.id) })
  expect(text(page, '#mine')).toBe(`服务${hours(minutes)}（已确认）`)
  expect(page.querySelector('#check-out')).toBeFalsy()
})

test('an urgent call opened from its message is answered 来 once, even with two taps; the next is told it is filled', async () => {
  const team = await createTeam({ name: '应急突击队' })
  const me = await handPhoneTo()
  ok(await backend.api('POST', `/volunteers/teams/${team.id}/join`, { token: me.token }), 'join')
  const call = ok(await backend.api('POST', `/staff/volunteers/teams/${team.id}/calls`, {
    token: await secretary(), body: { what: `暴雨排水 ${run}`, place: '下穿通道北口', needed: 1 },
  }), 'urgent call')
  expect(await backend.sql('SELECT kind FROM volunteer_message WHERE call_id = ? AND resident_id = ?', call.id, me.id))
    .toEqual([{ kind: 'urgent_call' }])

  // the message opens MP_VOLUNTEER_PAGE with ?call=: it goes on to the call's own page
  await open('volunteers/activity/index', { call: String(call.id) })
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/volunteers/call/index?id=${call.id}` }))

  const page = await open('volunteers/call/index', { id: String(call.id) })
  expect(text(page, '#what')).toBe(`暴雨排水 ${run}`)
  expect(text(page, '#where')).toContain('下穿通道北口')
  expect(text(page, '#count')).toBe('需要1人，已有0人说来')
  snapshot(page, 'volunteers-call')
  const come = page.instance.come.bind(page.instance)
  await Promise.all([come(), come()])               // two taps before the first answer
  await phone.settle()
  expect(phone.log.filter(r => r.method === 'POST' && r.url.endsWith(`/calls/${call.id}/answer`))).toHaveLength(1)
  expect(await backend.sql('SELECT resident_id, answer FROM urgent_call_answer WHERE call_id = ?', call.id))
    .toEqual([{ resident_id: me.id, answer: 'come' }])
  expect(await backend.sql('SELECT coming, state FROM urgent_call WHERE id = ?', call.id)).toEqual([{ coming: 1, state: 'filled' }])
  expect(text(page, '#my-answer')).toBe('您已回应：来')
  expect(text(page, '#note')).toContain('请尽快到集合地点')
  expect(page.querySelector('#come')).toBeFalsy()

  // another member opens the message after that: told kindly, and nothing of theirs is written
  const late = await handPhoneTo()
  ok(await backend.api('POST', `/volunteers/teams/${team.id}/join`, { token: late.token }), 'join')
  const second = await open('volunteers/call/index', { id: String(call.id) })
  expect(text(second, '#filled')).toContain('人已经够了')
  expect(second.querySelector('#come')).toBeFalsy()
  // had the page been open before it filled, the tap is refused with the plain message
  await second.instance.answer('come')
  expect(text(second, '#answer-error')).toContain('人已够了')
  expect(text(second, '#answer-error')).toContain('这次不用来了')
  expect(screen(second)).not.toContain('call_filled')
  expect(await backend.sql('SELECT resident_id FROM urgent_call_answer WHERE call_id = ?', call.id)).toEqual([{ resident_id: me.id }])
})

test('a resident outside the team cannot answer its call; one without a confirmed address is led to the address page', async () => {
  const team = await createTeam({ name: '巡逻队' })
  const member = await neighbour()
  ok(await backend.api('POST', `/volunteers/teams/${team.id}/join`, { token: member.token }), 'join')
  const call = ok(await backend.api('POST', `/staff/volunteers/teams/${team.id}/calls`, {
    token: await secretary(), body: { what: '找走失老人', place: '社区东门', needed: 3 },
  }), 'urgent call')
  await handPhoneTo()                                 // a forwarded message, opened by a non-member
  const page = await open('volunteers/call/index', { id: String(call.id) })
  expect(text(page, '#error')).toContain('只有该队队员可以回应')
  expect(text(page, '#error')).toContain('申请入队')

  // a resident whose address is not confirmed yet: the team's join is refused with the way on
  phone.phone.openid = `o-vol-unconfirmed-${run}`
  phone.storage.clear()
  await stories.signIn()
  await stories.claimAddress()
  const teams = await open('volunteers/teams/index')
  await tap(teams, `#join-${team.id}`)
  expect(text(teams, '#join-error')).toContain('请先填写住址')
  expect(text(teams, '#join-error')).toContain('等楼长或网格员确认后再来')
  await tap(teams, '#join-fill-address')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/address/index' }))
  const [row] = await backend.sql('SELECT id FROM resident WHERE mp_openid = ?', phone.phone.openid)
  expect(await backend.sql('SELECT id FROM volunteer_team_member WHERE resident_id = ?', row.id)).toEqual([])
})
