// 工作人员 (issue 19, item 1): a grid worker binds their WeChat with a one-time code from the
// console (issued through the console's own route, signed in as that worker over HTTP), and a
// later run signs in with wx.login alone; sees their queue soonest deadline first with the SLA
// clock; opens a case (photos, the map), accepts it, replies to the resident and resolves it with
// the actions the API lists — and the resident sees the reply; acting on a case another worker
// just moved gets the plain 409 and the case as it is now, with the typed text kept; a cadre
// escalates with a reason, and a lost answer with 重新提交 escalates once; 办结 with a photo of
// the fix taken with 拍照 reaches the resident's case, and a photo already used is refused; the
// queue asks consent to the staff template, and a new case then reaches the worker by subscribe
// message. Every step is checked in the database.
const http = require('http')
const path = require('path')
const { open, find, tap, type, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')
const clock = require('../src/work/clock')

const run = Date.now().toString(36)
let people = 0
const agent = new http.Agent({ keepAlive: false })     // gunicorn closes idle sockets

// A plain HTTP client with a cookie jar, for the console (HTML forms with a CSRF token).
function browser() {
  const jar = {}
  const request = (method, route, form) => new Promise((resolve, reject) => {
    const url = new URL(backend.info().base + route)
    const body = form ? new URLSearchParams(form).toString() : undefined
    const headers = { cookie: Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ') }
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded'
    const req = http.request(url, { method, headers, agent }, res => {
      for (const line of res.headers['set-cookie'] || []) {
        const [pair] = line.split(';')
        const at = pair.indexOf('=')
        jar[pair.slice(0, at)] = pair.slice(at + 1)
      }
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
  const csrf = async route => /name="csrf" value="([^"]+)"/.exec((await request('GET', route)).text)[1]
  return { request, csrf }
}

// The code the console shows `username` after 绑定小程序 (POST /console/me/wechat-code).
async function consoleCode(username) {
  const desk = browser()
  const signedIn = await desk.request('POST', '/console/login',
    { username, password: 'linli-demo-2026', csrf: await desk.csrf('/console/login') })
  expect(signedIn.status).toBe(303)
  const page = await desk.request('POST', '/console/me/wechat-code', { csrf: await desk.csrf('/console/') })
  expect(page.status).toBe(200)
  return /id="binding-code"[^>]*>([A-Z0-9]+)</.exec(page.text)[1]
}

// The phone now belongs to a new person (a fresh WeChat): nothing in its storage.
function newPhone(who) {
  people += 1
  phone.phone.openid = `o-work-${who}-${run}-${people}`
  phone.storage.clear()
}

// The phone's owner binds it to `username` through the bind page; returns the page.
async function bindAs(username) {
  const code = await consoleCode(username)
  const page = await open('work/bind/index')
  await type(page, '#bind-code', code)
  await tap(page, '#bind')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/work/queue/index' }))
  return page
}

// The stories happen in grid G3 (grid3, cadre2), whose queue the other files' cases do not fill.
const WORKER = 'grid3'
const WORKER_NAME = '网格员三'
const CADRE = 'cadre2'

async function place() {
  const [row] = await backend.sql('SELECT e.name AS estate, b.name AS name FROM building b JOIN grid g ON g.id = b.grid_id ' +
    'JOIN estate e ON e.id = b.estate_id WHERE g.code = ? ORDER BY b.id LIMIT 1', 'G3')
  return row
}

// A resident of a building of grid G3 files a case; returns {number, token}. `token`: that
// resident (the phone's own), else a new one.
async function residentFiles(description, extra = {}, token = null) {
  if (!token) {
    people += 1
    token = await stories.signIn(`o-work-resident-${run}-${people}`)
    await stories.claimAddress({ token, ...(await place()) })
  }
  const filed = await stories.fileCase(token, { description, ...extra })
  return { number: filed.number, token }
}

async function caseRow(number) {
  const [row] = await backend.sql('SELECT id, state, level, assignee_id FROM report WHERE number = ?', number)
  return row
}

function events(number, kind) {
  return backend.sql('SELECT e.kind, e.note, e.public, s.username FROM report_event e JOIN report r ON r.id = e.report_id ' +
    'LEFT JOIN staff s ON s.id = e.actor_staff_id WHERE r.number = ? AND e.kind = ? ORDER BY e.id', number, kind)
}

async function choose(page, action) {
  await tap(page, `#action-${action}`)
  expect(page.instance.data.form.name).toBe(action)
}

test('a grid worker binds their WeChat with the console code, and the next run signs in with wx.login alone', async () => {
  newPhone(WORKER)
  const me = await open('pages/me/index')
  await tap(me, '#go-work')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/work/queue/index' }))
  const resident = phone.wx.getStorageSync('linli.session')          // 我的 signed the resident in
  expect(resident.token).toBeTruthy()
  // Not bound yet: the queue sends the worker to the bind page.
  await open('work/queue/index')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/work/bind/index' }))

  const page = await open('work/bind/index')
  // The mistake: a mistyped code is refused plainly, and nothing is bound.
  await type(page, '#bind-code', 'ABCDEFGHJK')
  await tap(page, '#bind')
  expect(text(page, '#bind-error')).toContain('绑定码不正确')
  expect(await backend.sql('SELECT id FROM staff WHERE mp_openid = ?', phone.phone.openid)).toEqual([])

  const code = await consoleCode(WORKER)
  await type(page, '#bind-code', code.toLowerCase())        // typed in lower case: accepted
  await tap(page, '#bind')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/work/queue/index' }))
  expect(await backend.sql('SELECT username FROM staff WHERE mp_openid = ?', phone.phone.openid)).toEqual([{ username: WORKER }])
  // The staff session is its own: the resident's stays out of it.
  expect(phone.wx.getStorageSync('linli.staff').staff.name).toBe(WORKER_NAME)
  expect(phone.wx.getStorageSync('linli.session')).toEqual(resident)
  expect(phone.wx.getStorageSync('linli.staff').token).not.toBe(resident.token)

  // The code is used: someone who saw it over a shoulder cannot bind with it.
  const thief = await backend.api('POST', '/staff/bind', {
    body: { bind_code: code, code: (await backend.control('/login-code', { openid: `o-thief-${run}` })).code } })
  expect(thief.status).toBe(410)
  expect(thief.data.error.code).toBe('binding_code_used')

  // A new run of the mini-program: no stored session, wx.login alone signs the worker in.
  phone.storage.clear()
  const before = phone.log.length
  const queue = await open('work/queue/index')
  expect(text(queue, '#who')).toContain(WORKER_NAME)
  const calls = phone.log.slice(before).map(r => r.url.replace(/^.*\/api\/mp/, ''))
  // (and the public /settings, for the staff template to ask consent to)
  expect(calls.filter(c => c !== '/settings')).toEqual(['/staff/wx-login', '/staff/cases'])
})

// A weak connection at binding: the bind reaches the server (the code is spent, the WeChat bound)
// but its answer is lost; 绑定 again gets 410 binding_code_used — the worker must not be told the
// code is used up when the phone is in fact bound.
test('a bind whose answer was lost: 绑定 again signs in with the bound WeChat and opens the queue, not the refusal', async () => {
  newPhone(WORKER)
  const code = await consoleCode(WORKER)
  const page = await open('work/bind/index')
  await type(page, '#bind-code', code)
  let lost = 0
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith('/staff/bind') && lost++ === 0
  await tap(page, '#bind')
  expect(page.querySelector('#bind-error')).toBeTruthy()                // no answer: said so
  expect(await backend.sql('SELECT username FROM staff WHERE mp_openid = ?', phone.phone.openid)).toEqual([{ username: WORKER }])
  await tap(page, '#bind')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/work/queue/index' }))
  expect(page.querySelector('#bind-error')).toBeFalsy()
  expect(phone.wx.getStorageSync('linli.staff').staff.name).toBe(WORKER_NAME)
  const calls = phone.log.map(r => r.url.replace(/^.*\/api\/mp/, ''))
  expect(calls.slice(-2)).toEqual(['/staff/bind', '/staff/wx-login'])

  // Someone else's phone typing the same (spent) code still gets the refusal: its WeChat is not bound.
  newPhone(`${WORKER}-other`)
  const other = await open('work/bind/index')
  await type(other, '#bind-code', code)
  await tap(other, '#bind')
  expect(text(other, '#bind-error')).toContain('已使用')
  expect(phone.wx.getStorageSync('linli.staff')).toBe('')
})

test('the queue is ordered by deadline with the SLA clock; the worker accepts, replies and resolves, and the resident sees the reply', async () => {
  newPhone(WORKER)
  // The worker lives here too: their own resident session uploads the photo the case carries.
  const token = await stories.signIn()
  await stories.claimAddress({ token, ...(await place()) })
  const photo = await require('../src/lib/api').upload(path.join(__dirname, 'fixtures', 'door.png'))
  const first = await residentFiles(`单元门禁坏了 ${run}`, {}, token)
  const second = await residentFiles(`楼道灯不亮 ${run}`, { photo_ids: [photo.id],
    location: { lat: 38.0531, lng: 114.5262, label: '楼下东门' } }, token)
  await bindAs(WORKER)

  const queue = await open('work/queue/index')
  const items = queue.instance.data.items
  const due = items.map(i => new Date(i.resolve_due_at).getTime())
  expect(due).toEqual([...due].sort((a, b) => a - b))                 // soonest deadline first
  const numbers = items.map(i => i.number)
  expect(numbers.indexOf(first.number)).toBeGreaterThanOrEqual(0)
  expect(numbers.indexOf(first.number)).toBeLessThan(numbers.indexOf(second.number))
  expect(text(queue, `#clock-${first.number}`)).toMatch(/^办结剩余 \d/)
  await tap(queue, `#case-${second.number}`)
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/work/case/index?number=${second.number}` }))

  const page = await open('work/case/index', { number: second.number })
  expect(text(page, '#description')).toBe(`楼道灯不亮 ${run}`)
  expect(text(page, '#clock')).toMatch(/剩余/)
  await tap(page, '#case-photo-0')
  expect(phone.wx.previewImage.mock.calls[0][0].urls).toEqual([backend.info().base + photo.url])
  await tap(page, '#location')
  expect(phone.wx.openLocation).toHaveBeenLastCalledWith(expect.objectContaining({ latitude: 38.0531, longitude: 114.5262 }))
  // The buttons are the workflow's for a submitted case: no 开始处理 before 受理.
  expect(page.instance.data.c.actions.map(a => a.name)).toEqual(['accept', 'note', 'resolve', 'transfer', 'escalate', 'reject', 'merge'])
  expect(page.querySelector('#action-start')).toBeFalsy()

  await choose(page, 'accept')
  await type(page, '#field-note', '收到，马上处理')
  await tap(page, '#submit')
  expect((await caseRow(second.number)).state).toBe('accepted')
  expect(await events(second.number, 'accepted')).toEqual([{ kind: 'accepted', note: '收到，马上处理', public: 1, username: WORKER }])
  expect(text(page, '#state')).toBe('已受理')
  expect(page.querySelector('#action-accept')).toBeFalsy()
  expect(page.querySelector('#action-start')).toBeTruthy()

  // The reply to the resident: a note the resident may see.
  await choose(page, 'note')
  await tap(page, '#submit')
  expect(text(page, '#form-error')).toContain('请填写')                 // empty: nothing sent
  await type(page, '#field-text', '已联系物业电工，今天下午换灯')
  find(page, '#field-public').querySelector('.t-switch').dispatchEvent('tap')     // 居民可见
  await phone.settle()
  await tap(page, '#submit')
  expect(await events(second.number, 'note')).toEqual([{ kind: 'note', note: '已联系物业电工，今天下午换灯', public: 1, username: WORKER }])

  await choose(page, 'resolve')
  await type(page, '#field-note', '灯已更换')
  await tap(page, '#submit')
  expect((await caseRow(second.number)).state).toBe('resolved')
  expect(phone.wx.getStorageSync(`linli.staff.draft.${second.number}`).values).toEqual({})

  // The resident's side (resident API): the reply and the result are in their timeline.
  const mine = await backend.api('GET', `/reports/${second.number}`, { token })
  expect(mine.data.state).toBe('resolved')
  expect(mine.data.timeline.map(t => t.note)).toEqual(expect.arrayContaining(['已联系物业电工，今天下午换灯', '灯已更换']))
})

test('acting on a case another worker just moved: the plain 409, the case reloaded, the typed text kept', async () => {
  newPhone(WORKER)
  const { number } = await residentFiles(`垃圾桶满了 ${run}`)
  await bindAs(WORKER)
  const page = await open('work/case/index', { number })
  await choose(page, 'accept')
  await type(page, '#field-note', '马上派保洁过去')
  // Meanwhile the cadre accepts it from their own phone.
  await stories.staffAct(CADRE, number, 'accept', { note: '我来处理' })
  await tap(page, '#submit')
  expect(text(page, '#conflict')).toContain('其他工作人员刚刚处理了这个案件')
  expect(text(page, '#conflict')).toContain('已受理')
  expect(text(page, '#state')).toBe('已受理')                         // the case as it is now
  expect(page.querySelector('#action-accept')).toBeFalsy()
  expect(page.instance.data.values.note).toBe('马上派保洁过去')        // nothing typed is lost
  expect(phone.wx.getStorageSync(`linli.staff.draft.${number}`).values.note).toBe('马上派保洁过去')
  expect(await events(number, 'accepted')).toEqual([{ kind: 'accepted', note: '我来处理', public: 1, username: CADRE }])
})

test('a grid worker transfers a case to a colleague the API lists, with a reason', async () => {
  newPhone(WORKER)
  const { number } = await residentFiles(`井盖松动 ${run}`)
  await bindAs(WORKER)
  const page = await open('work/case/index', { number })
  const colleagues = page.instance.data.c.assignees
  const cadre = colleagues.find(p => p.name === '片区负责人乙')
  expect(cadre).toBeTruthy()
  await choose(page, 'transfer')
  await type(page, '#field-reason', '需要市政协调')
  await tap(page, '#submit')
  expect(text(page, '#form-error')).toBe('请选择转交给谁')              // nobody picked: nothing sent
  expect((await caseRow(number)).assignee_id).not.toBe(cadre.id)
  await tap(page, `#assignee-${cadre.id}`)
  await tap(page, '#submit')
  expect((await caseRow(number)).assignee_id).toBe(cadre.id)
  const [moved] = await events(number, 'transferred')
  expect(moved).toEqual({ kind: 'transferred', note: '转交给片区负责人乙：需要市政协调', public: 0, username: WORKER })
})

test('a cadre escalates with a reason; a lost answer and 重新提交 escalate once', async () => {
  const { number } = await residentFiles(`楼顶漏水 ${run}`)
  await stories.staffAct(WORKER, number, 'escalate', { reason: '需要片区协调' })       // now the cadre's (level 2)
  newPhone(CADRE)
  await bindAs(CADRE)
  const page = await open('work/case/index', { number })
  expect(text(page, '#level')).toBe(page.instance.data.c.owner)
  await choose(page, 'escalate')
  await tap(page, '#submit')
  expect(text(page, '#form-error')).toContain('需要上级协调的原因')     // no reason: nothing sent
  expect((await caseRow(number)).level).toBe(2)
  await type(page, '#field-reason', '涉及房屋主体结构，需社区协调维修基金')
  // The escalation reaches the server, but its answer is lost on the way back.
  let lost = 0
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith('/escalate') && lost++ === 0
  await tap(page, '#submit')
  expect(text(page, '#pending')).toContain('未提交成功')
  expect(screen(page)).toContain('重新提交')
  expect(page.instance.data.values.reason).toBe('涉及房屋主体结构，需社区协调维修基金')
  await tap(page, '#submit')
  const escalations = await events(number, 'escalated')
  expect(escalations.length).toBe(2)                                    // the grid worker's, and the cadre's once
  expect(escalations[1].note).toContain('涉及房屋主体结构，需社区协调维修基金')
  expect(escalations[1].username).toBe(CADRE)
  expect((await caseRow(number)).level).toBe(3)
  // The retry is answered as done (the backend replays the key), not refused as a second escalation.
  expect(phone.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已完成：升级' }))
  expect(page.querySelector('#conflict')).toBeFalsy()
  expect(page.querySelector('#pending')).toBeFalsy()
})

// The double reply a reviewer found: 添加进展's answer is lost (the reply reached the server), the
// worker closes the page and reopens the case, or taps 添加进展 again. The key must survive both:
// a new key would post the reply to the resident twice.
test('a reply whose answer was lost survives a closed page: 未提交成功 on reopening, and 重新提交 posts it once', async () => {
  newPhone(WORKER)
  const { number } = await residentFiles(`电梯按钮失灵 ${run}`)
  await bindAs(WORKER)
  const page = await open('work/case/index', { number })
  await choose(page, 'note')
  await type(page, '#field-text', '已报电梯维保，明早来修')
  let lost = 0
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith('/note') && lost++ === 0
  await tap(page, '#submit')
  expect(text(page, '#pending')).toContain('未提交成功')
  expect((await events(number, 'note')).length).toBe(1)               // it did reach the server
  // Tapping 添加进展 again keeps the same pending action (and key); another action must wait.
  const { key } = page.instance.data.pending
  await choose(page, 'note')
  expect(page.instance.data.pending).toEqual(expect.objectContaining({ key, failed: true }))
  await tap(page, '#action-resolve')
  expect(page.instance.data.form.name).toBe('note')
  expect(text(page, '#form-error')).toContain('未提交成功')
  // 取消 asks first (it may have acted); 不放弃 keeps it pending with its key.
  phone.phone.modal = { confirm: false, content: '' }
  await tap(page, '#cancel')
  expect(phone.wx.showModal).toHaveBeenLastCalledWith(expect.objectContaining({ title: '放弃未提交成功的操作？' }))
  expect(page.instance.data.pending).toEqual(expect.objectContaining({ key, failed: true }))

  // The worker leaves; later the case is opened again (a new page).
  const again = await open('work/case/index', { number })
  expect(text(again, '#pending')).toContain('未提交成功')
  expect(screen(again)).toContain('重新提交')
  expect(again.instance.data.values.text).toBe('已报电梯维保，明早来修')
  await tap(again, '#submit')
  expect(await events(number, 'note')).toEqual([{ kind: 'note', note: '已报电梯维保，明早来修', public: 0, username: WORKER }])
  expect(phone.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已完成：添加进展' }))
  expect(again.querySelector('#pending')).toBeFalsy()
  expect(phone.wx.getStorageSync(`linli.staff.draft.${number}`).pending).toBeNull()
})

test('办结 with a photo of the fix: 拍照 uploads it, its thumbnail shows, and the resident\'s case shows it; a photo already used is refused', async () => {
  newPhone(WORKER)
  const first = await residentFiles(`楼道扶手松了 ${run}`)
  const second = await residentFiles(`单元门闭门器坏了 ${run}`)
  await bindAs(WORKER)
  const page = await open('work/case/index', { number: first.number })
  await choose(page, 'resolve')
  expect(page.querySelector('#field-photo_ids')).toBeTruthy()         // the API's field, kind "photos"
  phone.phone.media = [path.join(__dirname, 'fixtures', 'lamp.jpg')]
  await tap(page, '#add-photo')
  await phone.settle()
  const [taken] = page.instance.data.photos
  expect(taken.state).toBe('done')
  expect(page.querySelector('#photo-0')).toBeTruthy()                 // the thumbnail on the form
  expect(phone.wx.uploadFile).toHaveBeenLastCalledWith(expect.objectContaining({ url: `${backend.info().api}/staff/uploads` }))
  const [stored] = await backend.sql('SELECT u.path, u.case_id, s.username FROM staff_upload u JOIN staff s ON s.id = u.staff_id WHERE u.id = ?', taken.id)
  expect(stored).toEqual({ path: taken.url.replace('/media/', ''), case_id: null, username: WORKER })
  // The photo survives a closed page like the text (the draft).
  expect(phone.wx.getStorageSync(`linli.staff.draft.${first.number}`).photos).toEqual([{ id: taken.id, url: taken.url }])
  await type(page, '#field-note', '扶手已重新固定')
  await tap(page, '#submit')
  expect((await caseRow(first.number)).state).toBe('resolved')
  const shown = await backend.sql('SELECT p.url, e.kind FROM report_photo p JOIN report_event e ON e.id = p.event_id ' +
    'JOIN report r ON r.id = p.report_id WHERE r.number = ?', first.number)
  expect(shown).toEqual([{ url: taken.url, kind: 'resolved' }])
  const steps = page.instance.data.c.timeline
  const resolvedAt = steps.findIndex(t => t.kind === 'resolved')
  expect(page.querySelector(`#step-photo-${resolvedAt}-0`)).toBeTruthy()
  expect(page.instance.data.photos).toEqual([])

  // The resident's side (resident API): the fix photo on the resolution, apart from their own.
  const mine = await backend.api('GET', `/reports/${first.number}`, { token: first.token })
  expect(mine.data.fix_photos).toEqual([taken.url])
  expect(mine.data.photos).toEqual([])
  expect(mine.data.timeline.find(t => t.kind === 'resolved').photos).toEqual([taken.url])

  // The mistake: the same photo kept in another case's draft and sent with its 办结.
  phone.wx.setStorageSync(`linli.staff.draft.${second.number}`,
    { action: 'resolve', values: { note: '闭门器已更换' }, photos: [{ id: taken.id, url: taken.url }] })
  const other = await open('work/case/index', { number: second.number })
  await tap(other, '#submit')
  expect(text(other, '#form-error')).toContain('已用于其他案件')
  expect((await caseRow(second.number)).state).toBe('submitted')
  expect(other.instance.data.values.note).toBe('闭门器已更换')          // nothing typed is lost
})

test('the queue asks consent to new-case and near-deadline notices; a new case then reaches the worker by subscribe message', async () => {
  newPhone(WORKER)
  await bindAs(WORKER)
  const queue = await open('work/queue/index')
  expect(text(queue, '#notify')).toContain('开启后')
  phone.phone.subscribe = 'reject'
  await tap(queue, '#notify-on')
  expect(phone.wx.requestSubscribeMessage).toHaveBeenLastCalledWith(expect.objectContaining({ tmplIds: ['tmpl-mp-staff-case'] }))
  expect(text(queue, '#notify')).toContain('没有允许')
  phone.phone.subscribe = 'accept'
  await tap(queue, '#notify-on')
  expect(text(queue, '#notify-on-said')).toContain('已开启')
  expect(queue.querySelector('#notify')).toBeFalsy()

  // A resident files in the worker's grid: the case lands on them, and they hear once, on the
  // WeChat they bound (the emulator keeps no consent; WeChat would: see README).
  const { number } = await residentFiles(`消防通道堆了杂物 ${run}`)
  const told = await backend.sql('SELECT n.kind, n.state, n.channel, n.template_id FROM notification n ' +
    'JOIN report r ON r.id = n.report_id JOIN staff s ON s.id = n.staff_id WHERE r.number = ? AND s.username = ?', number, WORKER)
  expect(told).toEqual([{ kind: 'assigned', state: 'sent', channel: 'subscribe', template_id: 'tmpl-mp-staff-case' }])
  // Opening a case from the queue asks again (one consent, one message).
  await queue.instance.load()
  const asked = phone.wx.requestSubscribeMessage.mock.calls.length
  await tap(queue, `#case-${number}`)
  expect(phone.wx.requestSubscribeMessage.mock.calls.length).toBe(asked + 1)
})

test('the SLA clock says time left, and overdue plainly', () => {
  const now = Date.parse('2026-05-01T10:00:00+08:00')
  expect(clock.sla('2026-05-01T13:30:00+08:00', '办结', now)).toEqual({ text: '办结剩余 3小时30分', overdue: false, urgent: false })
  expect(clock.sla('2026-05-01T09:15:00+08:00', '办结', now)).toEqual({ text: '办结已超时 45分钟', overdue: true, urgent: true })
  expect(clock.caseClock({ state: 'submitted', response_due_at: '2026-05-01T10:30:00+08:00', responded_at: null,
    resolve_due_at: '2026-05-03T10:00:00+08:00' }, now).text).toBe('响应剩余 30分钟')
})
