// 本楼志愿者 (issue 19 item 2: the building's volunteers): the secretary (tianbing, staff API)
// sets up a team for 丰泽园小区 1号楼 and posts an activity; a resident of the building asks to
// join and another signs up. 楼长老王 (louzhang1, the demo's leader of 1号楼) binds their WeChat,
// opens 本楼志愿者 from their home, sees the team with the request and the activity's places, and
// approves: the membership is approved in the database. The same approval re-sent from a page
// that had not caught up (a lost answer) finds it made and says nothing alarming. A unit leader,
// who manages no team, is told there is none. Every step over real HTTP.
const { open, tap, type, text } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')
const content = require('./helpers/content')

const run = Date.now().toString(36)
const HOUR = 3600 * 1000
let people = 0

function ok(answer, what) {
  if (answer.status >= 200 && answer.status < 300) return answer.data
  throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.data)}`)
}

// A fresh WeChat bound to `username` with the console's one-time code; the 工作人员 door leads home.
async function leaderBinds(username) {
  people += 1
  phone.phone.openid = `o-leadervol-${run}-${people}`
  phone.storage.clear()
  const desk = await content.signedIn(username)
  const page = await desk.post('/console/me/wechat-code', {}, await desk.get('/console/rounds/mine'))
  expect(page.status).toBe(200)
  const bind = await open('work/bind/index')
  await type(bind, '#bind-code', /id="binding-code"[^>]*>([A-Z0-9]+)</.exec(page.text)[1])
  await tap(bind, '#bind')
  await open('work/queue/index')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/leader/home/index' }))
}

// A resident of 1号楼 with a confirmed address, signed in on their own phone: {id, token}.
async function neighbour() {
  people += 1
  const home = await stories.household({ estate: '丰泽园小区', name: '1号楼', room: '301' })
  return stories.residentOf(home, { openid: `o-leadervol-res-${run}-${people}` })
}

function membership(teamId, residentId) {
  return backend.sql('SELECT state FROM volunteer_team_member WHERE team_id = ? AND resident_id = ?', teamId, residentId)
}

test('the building leader sees the building\'s team, its request and its activity\'s places, and approves the request', async () => {
  const secretary = await stories.staffToken('tianbing')
  const place = await content.building('丰泽园小区', '1号楼')
  const team = ok(await backend.api('POST', '/staff/volunteers/teams', {
    token: secretary, body: { building_id: place.id, name: `1号楼公益队 ${run}`, needs_approval: true },
  }), 'create the team')
  const other = ok(await backend.api('POST', '/staff/volunteers/teams', {
    token: secretary, body: { building_id: (await content.building('丰泽园小区', '2号楼')).id, name: `2号楼公益队 ${run}` },
  }), 'create another building\'s team')
  const start = Date.now() + 26 * HOUR
  const activity = ok(await backend.api('POST', `/staff/volunteers/teams/${team.id}/activities`, {
    token: secretary, headers: { 'Idempotency-Key': `leadervol-${run}` },
    body: { title: `楼道大扫除 ${run}`, place: '1号楼下', capacity: 3, starts_at: new Date(start).toISOString(),
      ends_at: new Date(start + 2 * HOUR).toISOString() },
  }), 'post the activity')
  const asker = await neighbour()
  ok(await backend.api('POST', `/volunteers/teams/${team.id}/join`, { token: asker.token }), 'join')
  const helper = await neighbour()
  ok(await backend.api('POST', `/volunteers/activities/${activity.id}/signup`, { token: helper.token, body: {} }), 'sign up')
  expect(await membership(team.id, asker.id)).toEqual([{ state: 'pending' }])

  await leaderBinds('louzhang1')
  const home = await open('leader/home/index')
  expect(text(home, '#volunteers')).toContain('本楼志愿者')
  await tap(home, '#volunteers')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/leader/volunteers/index' }))

  const page = await open('leader/volunteers/index')
  expect(text(page, `#team-${team.id}`)).toContain(`1号楼 · 1号楼公益队 ${run}`)
  expect(text(page, `#requests-${team.id}`)).toBe('1 人申请入队')
  expect(text(page, `#request-${asker.id}`)).toContain('申请入队')
  expect(text(page, `#places-${activity.id}`)).toBe('已报名 1 / 3 人')
  // another building's team is not the building leader's, nor is any team of the whole community
  expect(page.querySelector(`#team-${other.id}`)).toBeFalsy()
  const ids = page.instance.data.teams.map(t => t.id)
  const [{ n: theirs }] = await backend.sql('SELECT COUNT(*) AS n FROM volunteer_team WHERE building_id = ? AND id IN (' +
    ids.join(',') + ')', place.id)
  expect(theirs).toBe(ids.length)

  const stale = page.instance.data.teams
  await tap(page, `#approve-${asker.id}`)
  expect(await membership(team.id, asker.id)).toEqual([{ state: 'approved' }])
  expect(page.querySelector(`#request-${asker.id}`)).toBeFalsy()
  expect(text(page, `#members-${team.id}`)).toBe('1 名队员')
  expect(text(page, `#requests-${team.id}`)).toBe('没有待审核的入队申请')

  // The approval's answer was lost and the page still shows the request: tapped again, it finds
  // the decision made (not_pending), refuses nothing and changes nothing.
  page.instance.setData({ teams: stale })
  await tap(page, `#approve-${asker.id}`)
  expect(page.querySelector('#refusal')).toBeFalsy()
  expect(await membership(team.id, asker.id)).toEqual([{ state: 'approved' }])
  expect(page.querySelector(`#request-${asker.id}`)).toBeFalsy()
})

test('a unit leader, who manages no team, is told there is none', async () => {
  await leaderBinds('danyuan1')
  const page = await open('leader/volunteers/index')
  expect(text(page, '#none')).toContain('暂无本楼志愿服务队')
  expect(page.instance.data.teams).toEqual([])
})
