// 楼长/单元长 (issue 19, item 2): 单元长小张 (danyuan1, the demo's leader of 丰泽园小区 1号楼
// 1单元) binds their WeChat with the console's one-time code and lands on their own home, not a
// case queue. The secretary's urgent notice to the building opens a door round: the leader marks
// their households 已告知 / 不在家 at the door, a lost answer stays on the row until 重新提交
// (one mark), and a household of another unit is refused plainly. In an Art. 278 consultation the
// leader records a let flat's owner's signed paper with its photo, and a voice whose answer was
// lost is sent again without a second one. The secretary's work notice is acknowledged once.
// Every step over real HTTP, checked in the database.
const path = require('path')
const { open, tap, type, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const stories = require('./helpers/stories')
const content = require('./helpers/content')

const run = Date.now().toString(36)
const HOUR = 3600 * 1000
const LEADER = 'danyuan1'
const PHOTO = path.join(__dirname, 'fixtures', 'door.png')
let people = 0

// The code the console shows `username` after 绑定小程序 in its header.
async function consoleCode(username) {
  const desk = await content.signedIn(username)
  const page = await desk.post('/console/me/wechat-code', {}, await desk.get('/console/rounds/mine'))
  expect(page.status).toBe(200)
  return /id="binding-code"[^>]*>([A-Z0-9]+)</.exec(page.text)[1]
}

// A fresh WeChat bound to the leader through the bind page; the 工作人员 door then leads home.
async function leaderBinds() {
  people += 1
  phone.phone.openid = `o-leader-${run}-${people}`
  phone.storage.clear()
  const bind = await open('work/bind/index')
  await type(bind, '#bind-code', await consoleCode(LEADER))
  await tap(bind, '#bind')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/work/queue/index' }))
  await open('work/queue/index')
  expect(phone.wx.redirectTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/leader/home/index' }))
}

async function staffId(username) {
  const [row] = await backend.sql('SELECT id FROM staff WHERE username = ?', username)
  return row.id
}

async function building1() {
  return content.building('丰泽园小区', '1号楼')
}

// The secretary (tianbing) sends an urgent notice to 1号楼 from the console: its round opens with it.
async function urgentNotice(words) {
  const desk = await content.signedIn('tianbing')
  const page = await desk.get('/console/articles')
  const key = content.field(page, 'key')
  const sent = await desk.post('/console/notices', { key, target: `building:${(await building1()).id}`, text: words, urgent: '1' }, page)
  expect(sent.status).toBe(303)
  const [row] = await backend.sql('SELECT r.id FROM door_round r JOIN notice n ON n.id = r.notice_id WHERE n.client_msg_id = ?', key)
  return row.id
}

function items(roundId, leaderId) {
  return backend.sql('SELECT i.id, i.state, i.marks, i.leader_id, h.room FROM round_household i JOIN household h ON h.id = i.household_id ' +
    'WHERE i.round_id = ? AND i.leader_id = ? ORDER BY i.id', roundId, leaderId)
}

function itemRow(id) {
  return backend.sql('SELECT state, marks, marked_by_id FROM round_household WHERE id = ?', id).then(rows => rows[0])
}

function votes(consultationId, householdId) {
  return backend.sql('SELECT choice, resident_id, recorded_by_id, photo FROM vote WHERE consultation_id = ? AND household_id = ?',
    consultationId, householdId)
}

test('a unit leader binds, sees the urgent notice\'s round and marks doors; a lost answer is sent again once, another unit\'s door refused', async () => {
  await leaderBinds()
  const me = await staffId(LEADER)
  const roundId = await urgentNotice(`今晚暴雨，请关好门窗，地下室住户注意防水 ${run}`)
  const mine = (await items(roundId, me)).filter(i => i.state === 'open')
  expect(mine.length).toBeGreaterThan(3)

  const home = await open('leader/home/index')
  expect(text(home, '#who')).toContain('单元长小张')
  expect(text(home, `#round-${roundId}`)).toContain(`还有 ${mine.length} 户待上门`)
  await tap(home, `#round-${roundId}`)
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/leader/round/index?id=${roundId}` }))

  const page = await open('leader/round/index', { id: String(roundId) })
  // The page's list is the database's: the leader's open households of this round, no others.
  expect(page.instance.data.items.map(i => i.id)).toEqual(mine.map(i => i.id))
  const [first, second, third] = mine
  await tap(page, `#informed-${first.id}`)
  expect(await itemRow(first.id)).toEqual({ state: 'informed', marks: 1, marked_by_id: me })
  expect(text(page, `#state-${first.id}`)).toBe('已告知')
  expect(text(page, `#at-${first.id}`)).toMatch(/^\d+月\d+日 \d\d:\d\d 标记$/)
  await tap(page, `#not_home-${second.id}`)
  expect(await itemRow(second.id)).toEqual({ state: 'not_home', marks: 1, marked_by_id: me })
  expect(text(page, '#left')).toBe(`还有 ${mine.length - 1} 户待上门`)      // not at home: still to visit
  // A double tap on the stairs: the same mark, not a second.
  await tap(page, `#informed-${first.id}`)
  expect((await itemRow(first.id)).marks).toBe(1)

  // The weak connection: the mark reaches the server, its answer does not reach the phone.
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith(`/staff/rounds/items/${third.id}`)
  await tap(page, `#informed-${third.id}`)
  expect(text(page, `#pending-${third.id}`)).toContain('“已告知”未提交成功')
  expect(phone.wx.getStorageSync('linli.leader.marks')[third.id].state).toBe('informed')
  const back = await open('leader/home/index')                    // kept, and said, across pages
  expect(text(back, '#unsent')).toContain('还有 1 户的标记未提交成功')
  phone.phone.lose = null
  const again = await open('leader/round/index', { id: String(roundId) })
  expect(text(again, `#pending-${third.id}`)).toContain('未提交成功')
  await tap(again, `#resend-${third.id}`)
  expect(await itemRow(third.id)).toEqual({ state: 'informed', marks: 1, marked_by_id: me })    // once
  expect(again.querySelector(`#pending-${third.id}`)).toBeFalsy()
  expect(phone.wx.getStorageSync('linli.leader.marks')).toEqual({})

  // A household of 2单元 (楼长老王's list): a row handed over from another phone, and a request
  // made by hand with the leader's token, are both refused and change nothing.
  const [outside] = (await items(roundId, await staffId('louzhang1'))).filter(i => i.state === 'open')
  again.instance.setData({ items: again.instance.data.items.concat({ id: outside.id, door: `1号楼2单元${outside.room}`,
    state: 'open', label: '未上门', todo: true, pending: '', sending: false, refusal: '' }) })
  await tap(again, `#informed-${outside.id}`)
  expect(text(again, `#refused-${outside.id}`)).toBe('未能标记：该户不在您负责的单元或楼栋')
  const forged = await backend.api('POST', `/staff/rounds/items/${outside.id}`,
    { token: phone.wx.getStorageSync('linli.staff').token, body: { state: 'informed' } })
  expect([forged.status, forged.data.error.code]).toEqual([403, 'not_your_household'])
  expect(await itemRow(outside.id)).toEqual({ state: 'open', marks: 0, marked_by_id: null })
  expect(phone.wx.getStorageSync('linli.leader.marks')).toEqual({})
})

test('at the door of an Art. 278 consultation: a let flat\'s owner\'s signed paper with its photo, and a lost answer sent again records one voice', async () => {
  await leaderBinds()
  const me = await staffId(LEADER)
  const place = await building1()
  const opened = await backend.api('POST', '/staff/consultations', {
    token: await stories.staffToken('tianbing'),
    body: { scope: 'building', building_id: place.id, question: `1号楼外墙保温改造，动用维修资金 ${run}`,
      rule: 'owners_art278_major', closes_at: new Date(Date.now() + 24 * HOUR).toISOString() },
  })
  expect(opened.status).toBe(201)
  const id = opened.data.id

  const home = await open('leader/home/index')
  expect(text(home, `#consultation-${id}`)).toContain('28 户未表态（共 28 户）')    // 1单元's 28 flats
  const page = await open('leader/door/index', { id: String(id) })
  expect(text(page, '#owners-note')).toContain('租户不在线上表态')
  const waiting = page.instance.data.waiting
  const unit1 = await backend.sql('SELECT id FROM household WHERE unit_id = ? ORDER BY id', place.units[0].id)
  expect(waiting.map(h => h.id)).toEqual(unit1.map(h => h.id))                  // my unit's, no other
  // The demo lets about one flat in five: the page names those whose owner speaks on paper.
  const lets = await backend.sql("SELECT id FROM household WHERE unit_id = ? AND occupancy != 'owner' ORDER BY id", place.units[0].id)
  expect(waiting.filter(h => h.let).map(h => h.id)).toEqual(lets.map(h => h.id))
  const letFlat = lets[0].id
  const owned = waiting.find(h => !h.let).id

  await tap(page, `#home-${letFlat}`)
  expect(text(page, '#let-note')).toContain('请记录业主签字的书面意见')
  await tap(page, '#submit')
  expect(text(page, '#form-error')).toBe('请先点选该户的意见')               // nothing chosen: nothing sent
  expect(await votes(id, letFlat)).toEqual([])
  await tap(page, '#choice-0')
  phone.phone.media = [PHOTO]
  await tap(page, '#take-photo')
  expect(page.instance.data.draft.photo).toBe(PHOTO)
  await tap(page, '#submit')
  const [paper] = await votes(id, letFlat)
  expect(paper).toEqual({ choice: 0, resident_id: null, recorded_by_id: me, photo: expect.stringMatching(/^votes\//) })
  expect(phone.log.filter(r => r.method === 'UPLOAD').map(r => r.url)).toEqual([expect.stringMatching(new RegExp(`/staff/consultations/${id}/door/paper$`))])
  expect(text(page, `#voice-${letFlat}`)).toBe('已由您代录：同意（附签字照片）')
  expect(page.querySelector('#form')).toBeFalsy()

  // An owner's flat, without a photo; the answer is lost on the way back.
  await tap(page, `#home-${owned}`)
  await tap(page, '#choice-1')
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith(`/staff/consultations/${id}/door`)
  await tap(page, '#submit')
  expect(text(page, '#pending')).toContain('未提交成功')
  expect(screen(page)).toContain('重新提交')
  expect(phone.wx.getStorageSync(`linli.leader.door.${id}`)).toEqual(expect.objectContaining({ household_id: owned, choice: 1 }))
  // The page closed and opened again: what was picked is still there, said as not confirmed.
  const reopened = await open('leader/door/index', { id: String(id) })
  expect(reopened.instance.data.draft).toEqual(expect.objectContaining({ household_id: owned, choice: 1 }))
  expect(text(reopened, '#pending')).toContain('上次提交没有收到回复')
  phone.phone.lose = null
  await tap(reopened, '#submit')
  expect(await votes(id, owned)).toEqual([{ choice: 1, resident_id: null, recorded_by_id: me, photo: '' }])
  expect(text(reopened, `#voice-${owned}`)).toBe('已由您代录：不同意')
  expect(phone.wx.getStorageSync(`linli.leader.door.${id}`)).toBe('')
  expect(phone.wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: expect.stringContaining('已代录') }))
  expect(reopened.instance.data.c.waiting).toBe(26)
  expect(screen(reopened)).toContain('已表态 2 户')
})

test('the secretary\'s work notice: the leader acknowledges it once, a lost answer and 重新提交 keep the first time', async () => {
  await leaderBinds()
  const place = await building1()
  const desk = await content.signedIn('tianbing')
  const words = `请通知本楼每户：周五上午停水 ${run}`
  const sent = await desk.post('/console/rounds/tasks', { scope: `building:${place.id}`, text: words }, await desk.get('/console/rounds'))
  expect(sent.status).toBe(303)
  const [task] = await backend.sql('SELECT id FROM leader_task WHERE text = ?', words)
  const ack = () => backend.sql('SELECT a.acknowledged_at FROM leader_task_ack a JOIN staff s ON s.id = a.staff_id ' +
    'WHERE a.task_id = ? AND s.username = ?', task.id, LEADER).then(rows => rows[0])
  expect(await ack()).toEqual({ acknowledged_at: null })

  const home = await open('leader/home/index')
  expect(text(home, '#tasks-count')).toMatch(/\d+ 条待确认收到/)
  await tap(home, '#tasks')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/leader/tasks/index' }))
  const page = await open('leader/tasks/index')
  expect(text(page, `#task-${task.id}`)).toContain(words)
  phone.phone.lose = (method, url) => method === 'POST' && url.endsWith(`/staff/rounds/tasks/${task.id}/ack`)
  await tap(page, `#ack-${task.id}`)
  expect(text(page, `#failed-${task.id}`)).toContain('未提交成功')
  const first = (await ack()).acknowledged_at
  expect(first).toBeTruthy()                                          // it did reach the server
  phone.phone.lose = null
  await tap(page, `#ack-${task.id}`)
  expect(text(page, `#acknowledged-${task.id}`)).toMatch(/^已确认收到（\d+月\d+日 \d\d:\d\d）$/)
  expect((await ack()).acknowledged_at).toBe(first)                   // the first time kept
})

test('a grid worker keeps their queue, with a door to the round and consultation pages', async () => {
  people += 1
  phone.phone.openid = `o-leader-grid-${run}-${people}`
  const bind = await open('work/bind/index')
  await type(bind, '#bind-code', await consoleCode('grid4'))
  await tap(bind, '#bind')
  const queue = await open('work/queue/index')
  expect(phone.wx.redirectTo).toHaveBeenCalledTimes(1)               // the bind page's, to the queue: no more
  await tap(queue, '#go-leader')
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/leader/home/index' }))
})
