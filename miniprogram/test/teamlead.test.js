// 我带的队 (issue 19 item 4): a volunteer team's leader is a resident, appointed by the secretary
// (tianbing, through the staff API), who works the team from the mini-program's teamlead/ pages:
// approves a request to join, posts an activity (a post whose answer was lost, sent again, is one
// activity; a refused one keeps the form), shows the rotating check-in QR (a PNG the backend
// draws; a volunteer's phone scans the payload and checks in), marks a volunteer in by hand (a
// mark sent again is one mark), closes a forgotten check-out, confirms the hours after the end
// (the open check-outs named first), and the volunteer's record shows them. A resident who leads
// no team gets no door, and the leader's pages refuse them plainly (403). Every step is checked in
// the database. The test backend's control server only moves the activity into the past.
const fs = require('fs')
const { snapshot } = require('./helpers/screenshot')
const { open, tap, type, fire, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')

const MINUTE = 60 * 1000
const BEIJING = 8 * 3600 * 1000
const run = Date.now().toString(36)
let people = 0

function ok(answer, what) {
  if (answer.status >= 200 && answer.status < 300) return answer.data
  throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.data)}`)
}

function home() {
  return stories.household({ estate: '丰泽园小区', name: '1号楼', room: '301' })
}

// A resident of the community with a confirmed address, signed in as `openid`: {id, token, openid}.
async function resident(tag) {
  people += 1
  const openid = `o-lead-${tag}-${run}-${people}`
  return { ...(await stories.residentOf(await home(), { openid })), openid }
}

// The phone now belongs to `person`: the pages sign in as them.
async function handPhoneTo(person) {
  phone.phone.openid = person.openid
  phone.storage.clear()
  await stories.signIn(person.openid)
}

async function createTeam(name, needsApproval = true) {
  const [{ community_id }] = await backend.sql('SELECT community_id FROM building WHERE id = ?', (await home()).building_id)
  return ok(await backend.api('POST', '/staff/volunteers/teams', {
    token: await stories.staffToken('tianbing'), body: { community_id, name: `${name} ${run}`, needs_approval: needsApproval },
  }), 'create a team')
}

async function appoint(team, person) {
  ok(await backend.api('POST', `/staff/volunteers/teams/${team.id}/leaders`, {
    token: await stories.staffToken('tianbing'), body: { resident_id: person.id },
  }), 'appoint a leader')
}

// A moment as the pickers show it: Beijing date and time.
function picked(ms) {
  const iso = new Date(ms + BEIJING).toISOString()
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) }
}

function hours(minutes) {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return h ? `${h}小时${m ? `${m}分钟` : ''}` : `${m}分钟`
}

function signups(activityId) {
  return backend.sql('SELECT resident_id, state, checked_in_at, checked_in_by, checked_out_at, checked_out_by, minutes, no_show ' +
    'FROM volunteer_signup WHERE activity_id = ? ORDER BY resident_id', activityId)
}

const posts = () => phone.log.filter(r => r.method === 'POST' && /\/volunteers\/lead\/teams\/\d+\/activities$/.test(r.url))

test('a resident leader approves a request, posts an activity, shows the QR, marks, closes a check-out and confirms the hours', async () => {
  const team = await createTeam('楼道清洁队')
  const leader = await resident('leader')
  await appoint(team, leader)
  const asker = await resident('asker')
  ok(await backend.api('POST', `/volunteers/teams/${team.id}/join`, { token: asker.token }), 'join')
  await handPhoneTo(leader)

  // the door shows on 志愿服务 for a leader
  const volunteers = await open('volunteers/activities/index')
  expect(text(volunteers, '#to-lead')).toContain('我带的队')
  await tap(volunteers, '#to-lead')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/teamlead/teams/index' }))

  // 1. the request to join, approved
  const teams = await open('teamlead/teams/index')
  expect(text(teams, `#team-${team.id}`)).toContain(`楼道清洁队 ${run}`)
  expect(text(teams, `#request-${asker.id}`)).toContain('同意')
  snapshot(teams, 'teamlead-teams')
  await tap(teams, `#approve-${asker.id}`)
  expect(await backend.sql('SELECT state FROM volunteer_team_member WHERE team_id = ? AND resident_id = ?', team.id, asker.id))
    .toEqual([{ state: 'approved' }])
  expect(teams.querySelector(`#request-${asker.id}`)).toBeFalsy()
  expect(text(teams, `#team-${team.id}`)).toContain('2名队员')
  await tap(teams, `#post-${team.id}`)
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/teamlead/post/index?team=${team.id}` }))

  // 2. the post: starting in 10 minutes, for an hour
  const start = picked(Date.now() + 10 * MINUTE)
  const end = picked(Date.now() + 70 * MINUTE)
  let form = await open('teamlead/post/index', { team: String(team.id) })
  await type(form, '#title', `清理楼道杂物 ${run}`)
  await type(form, '#place', '1号楼下')
  await fire(form, '#start-date', 'change', { value: start.date })
  await fire(form, '#start-time', 'change', { value: start.time })
  await fire(form, '#end-date', 'change', { value: end.date })
  await fire(form, '#end-time', 'change', { value: end.time })
  await type(form, '#capacity', '0')
  // a mistake (no places): refused with the field named, nothing posted, the form as typed
  await tap(form, '#submit')
  expect(text(form, '#post-error')).toContain('招募人数应为1到1000人')
  expect(form.instance.data.form.title).toBe(`清理楼道杂物 ${run}`)
  const titled = () => backend.sql('SELECT id, capacity, idempotency_key FROM volunteer_activity WHERE title = ?', `清理楼道杂物 ${run}`)
  expect(await titled()).toEqual([])
  // the leader leaves the page and comes back: what was typed is still there
  form = await open('teamlead/post/index', { team: String(team.id) })
  expect(form.instance.data.form.place).toBe('1号楼下')
  expect(form.instance.data.form.startTime).toBe(start.time)
  await type(form, '#capacity', '5')
  // the post reaches the server, its answer never reaches the phone
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith(`/lead/teams/${team.id}/activities`)
  await tap(form, '#submit')
  phone.phone.lose = null
  expect(text(form, '#post-error')).toContain('没有收到结果')
  expect(screen(form)).toContain('重新提交')
  snapshot(form, 'teamlead-post-lost')
  expect(await titled()).toHaveLength(1)
  // 重新提交, tapped twice at once: one request, with the first one's key, answered with that activity
  const submit = form.instance.submit.bind(form.instance)
  await Promise.all([submit(), submit()])
  await phone.settle()
  const sent = posts()
  expect(sent).toHaveLength(3)                       // refused, lost, re-sent
  expect(sent[2].header['Idempotency-Key']).toBe(sent[1].header['Idempotency-Key'])
  expect(sent[1].header['Idempotency-Key']).not.toBe(sent[0].header['Idempotency-Key'])
  const [activity] = await titled()
  expect(await titled()).toHaveLength(1)
  expect(activity.capacity).toBe(5)
  expect(phone.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已发布过了' }))
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/teamlead/activity/index?id=${activity.id}` }))
  expect(phone.wx.getStorageSync(`linli.teamlead.draft.${team.id}`)).toBe('')     // posted: the draft is gone

  // two volunteers sign up
  for (const person of [asker, leader]) {
    expect((await backend.api('POST', `/volunteers/activities/${activity.id}/signup`, {
      token: person.token, body: {}, headers: { 'Idempotency-Key': `k-${person.id}-${run}` },
    })).status).toBe(201)
  }

  // 3. the QR on the leader's phone: a PNG drawn by the backend, the screen bright
  let page = await open('teamlead/activity/index', { id: String(activity.id) })
  expect(text(page, '#title')).toBe(`清理楼道杂物 ${run}`)
  await tap(page, '#show-qr')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/teamlead/qr/index?id=${activity.id}` }))
  const qr = await open('teamlead/qr/index', { id: String(activity.id) })
  const image = qr.instance.data.image
  expect(fs.readFileSync(image).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  expect(phone.wx.downloadFile).toHaveBeenLastCalledWith(expect.objectContaining({
    url: expect.stringContaining(`/volunteers/lead/activities/${activity.id}/qr.png`),
    header: { Authorization: expect.stringMatching(/^Bearer /) },
  }))
  expect(phone.phone.brightness).toBe(1)
  snapshot(qr, 'teamlead-qr')
  // refreshed before it expires: the next one is asked for within a minute
  const before = phone.wx.downloadFile.mock.calls.length
  await qr.instance.refresh()
  await phone.settle()
  expect(phone.wx.downloadFile.mock.calls.length).toBe(before + 1)
  const payload = qr.instance.payload
  expect(qr.instance.timer).toBeTruthy()              // the next refresh is set (every rotate_seconds, 60 < 90)
  qr.instance.onUnload()
  expect(qr.instance.timer).toBeNull()
  expect(phone.phone.brightness).toBe(0.4)            // given back as it was

  // a volunteer's phone scans that payload and checks in
  await handPhoneTo(asker)
  const theirs = await open('volunteers/activity/index', { id: String(activity.id) })
  phone.phone.scan = { result: payload }
  await tap(theirs, '#check-in')
  expect(text(theirs, '#note')).toContain('签到成功')
  expect((await signups(activity.id)).find(s => s.resident_id === asker.id).checked_in_by).toBe('qr')

  // 4. the leader marks themself in by hand; the answer is lost, 重新提交 finds it done
  await handPhoneTo(leader)
  page = await open('teamlead/activity/index', { id: String(activity.id) })
  expect(text(page, `#status-${asker.id}`)).toMatch(/已签到，未签退$/)
  expect(text(page, `#status-${leader.id}`)).toBe('未签到')
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith(`/activities/${activity.id}/attendance`)
  await tap(page, `#in-${leader.id}`)
  phone.phone.lose = null
  expect(text(page, '#action-error')).toContain('没有收到结果')
  await tap(page, '#send-again')
  expect(page.querySelector('#action-error')).toBeFalsy()
  expect(text(page, '#note')).toBe('已补签到')
  const marked = (await signups(activity.id)).find(s => s.resident_id === leader.id)
  expect(marked.checked_in_by).toBe('hand')
  expect(page.querySelector(`#in-${leader.id}`)).toBeFalsy()
  snapshot(page, 'teamlead-roster')

  // 5. after the end: the hours wait for the forgotten check-outs, named first
  await backend.control('/volunteers/shift', { activity_id: activity.id, minutes: 90 })
  await page.instance.onPullDownRefresh()
  await phone.settle()
  expect(text(page, '#open-outs')).toContain('还未签退')
  expect(page.querySelector('#show-qr')).toBeFalsy()
  await tap(page, '#confirm-hours')
  expect(text(page, '#action-error')).toContain('还有人未签退')
  expect(text(page, '#action-error')).toContain('补签退')
  expect((await backend.sql('SELECT hours_confirmed_at FROM volunteer_activity WHERE id = ?', activity.id))[0].hours_confirmed_at).toBeNull()
  await tap(page, `#out-${asker.id}`)
  await tap(page, `#out-${leader.id}`)
  const closed = await signups(activity.id)
  expect(closed.map(s => s.checked_out_by)).toEqual(['hand', 'hand'])
  await tap(page, '#confirm-hours')
  expect(text(page, '#note')).toContain('服务时长已确认')
  const [{ hours_confirmed_at }] = await backend.sql('SELECT hours_confirmed_at FROM volunteer_activity WHERE id = ?', activity.id)
  expect(hours_confirmed_at).toBeTruthy()
  const served = (await signups(activity.id)).find(s => s.resident_id === asker.id).minutes
  expect(served).toBeGreaterThanOrEqual(59)           // checked in ~10 minutes before the start, out at the end
  expect(text(page, `#status-${asker.id}`)).toBe(`服务${hours(served)}`)
  expect(page.querySelector('#confirm-hours')).toBeFalsy()
  snapshot(page, 'teamlead-confirmed')

  // the volunteer's record shows the confirmed hours
  await handPhoneTo(asker)
  const record = await open('volunteers/record/index')
  expect(text(record, `#hours-${activity.id}`)).toBe(hours(served))
  expect(text(record, '#total')).toBe(hours(served))
})

test('an activity called off before its start: its volunteers are told', async () => {
  const team = await createTeam('助老服务队', false)
  const leader = await resident('leader')
  await appoint(team, leader)
  const volunteer = await resident('volunteer')
  const start = Date.now() + 2 * 24 * 60 * MINUTE
  const activity = ok(await backend.api('POST', `/volunteers/lead/teams/${team.id}/activities`, {
    token: leader.token, headers: { 'Idempotency-Key': `cancel-${run}` },
    body: { title: `陪老人体检 ${run}`, place: '社区卫生站', starts_at: new Date(start).toISOString(),
      ends_at: new Date(start + 120 * MINUTE).toISOString(), roles: { 陪同: 2, 登记: 1 } },
  }), 'post')
  ok(await backend.api('POST', `/volunteers/activities/${activity.id}/signup`, {
    token: volunteer.token, body: { role: '陪同' }, headers: { 'Idempotency-Key': `k-${run}` },
  }), 'sign up')
  await handPhoneTo(leader)
  const page = await open('teamlead/activity/index', { id: String(activity.id) })
  expect(text(page, '#places')).toContain('已报1/3人')
  expect(text(page, `#volunteer-${volunteer.id}`)).toContain('陪同')
  expect(page.querySelector('#confirm-hours')).toBeFalsy()    // not ended
  phone.phone.modal = { confirm: false }
  await tap(page, '#cancel')
  expect((await backend.sql('SELECT state FROM volunteer_activity WHERE id = ?', activity.id))[0].state).toBe('open')
  phone.phone.modal = { confirm: true }
  await tap(page, '#cancel')
  expect(phone.wx.showModal).toHaveBeenLastCalledWith(expect.objectContaining({ title: '取消这场活动？' }))
  expect((await backend.sql('SELECT state FROM volunteer_activity WHERE id = ?', activity.id))[0].state).toBe('cancelled')
  expect(await backend.sql("SELECT kind FROM volunteer_message WHERE resident_id = ? AND kind = 'cancelled'", volunteer.id))
    .toEqual([{ kind: 'cancelled' }])
  expect(text(page, '#state')).toBe('已取消')
  expect(page.querySelector('#cancel')).toBeFalsy()
})

test('a resident who leads no team gets no door, and the leader\'s pages refuse them plainly', async () => {
  const team = await createTeam('巡逻队', false)
  const leader = await resident('leader')
  await appoint(team, leader)
  const start = Date.now() + 30 * MINUTE
  const activity = ok(await backend.api('POST', `/volunteers/lead/teams/${team.id}/activities`, {
    token: leader.token, body: { title: `夜间巡逻 ${run}`, place: '东门', capacity: 3, starts_at: new Date(start).toISOString(),
      ends_at: new Date(start + 60 * MINUTE).toISOString() },
  }), 'post')
  const member = await resident('member')
  ok(await backend.api('POST', `/volunteers/teams/${team.id}/join`, { token: member.token }), 'join')   // a member, not its leader
  await handPhoneTo(member)

  const volunteers = await open('volunteers/activities/index')
  expect(volunteers.querySelector('#to-lead')).toBeFalsy()
  const teams = await open('teamlead/teams/index')             // a forwarded link, or a guessed path
  expect(text(teams, '#none')).toContain('您还没有带队')
  for (const path of ['teamlead/activity/index', 'teamlead/qr/index']) {
    const page = await open(path, { id: String(activity.id) })
    expect(text(page, '#error')).toContain('这不是您负责的志愿服务队')
    expect(text(page, '#error')).toContain('只有这支服务队的队长可以打开这里')
    expect(screen(page)).not.toContain('not_your_team')
    expect(page.querySelector('#retry')).toBeFalsy()
    expect(page.querySelector('#qr')).toBeFalsy()
  }
  expect(phone.wx.downloadFile).not.toHaveBeenCalled()       // no picture of the code was fetched
  // nothing was written: marks and posts were never offered
  expect(await backend.sql('SELECT id FROM volunteer_signup WHERE activity_id = ?', activity.id)).toEqual([])
})
