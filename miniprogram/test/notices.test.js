// Story 6: the community's notices and articles. Written and sent in the real console, sent by
// the WeChat emulator, read in the list (urgent first, then newest; more as one scrolls; fresh
// on pulling down) and one by one (an article as rich text, a text notice as its text).
const { snapshot } = require('./helpers/screenshot')
const { open, tap, text, screen } = require('./helpers/page')
const backend = require('./helpers/backend')
const phone = require('./helpers/wx')
const content = require('./helpers/content')

const run = Date.now().toString(36)

function listed(page) {
  const rows = []
  for (let i = 0; page.querySelector(`#item-${i}`); i++) rows.push(text(page, `#item-${i}`))
  return rows
}

// The list's rows against the titles the database says, in order; a notice another test file
// sends meanwhile shifts them, so the list is pulled down and compared once more.
async function expectListMatches(page, place, count, again = () => page.instance.onPullDownRefresh()) {
  for (let attempt = 0; ; attempt++) {
    const expected = (await content.expectedFeed(place)).slice(0, count).map(i => i.title)
    const rows = listed(page)
    const same = rows.length === expected.length && rows.every((r, i) => r.includes(expected[i]))
    if (same || attempt === 2) {
      expect(rows.map((r, i) => r.includes(expected[i]) && expected[i])).toEqual(expected)
      return expected
    }
    await again()
  }
}

// Beijing time `days` ago as the console's datetime-local field takes it.
function beijingDaysAgo(days) {
  return new Date(Date.now() + 8 * 3600 * 1000 - days * 24 * 3600 * 1000).toISOString().slice(0, 16)
}

test('the list puts fresh urgent notices first, then everything newest first, and loads more', async () => {
  const place = await content.building('八家庄东区', '2号楼')
  await content.residentAt(place)
  for (let n = 1; n <= 21; n++) {
    await content.sendNotice({ text: `东区2号楼第${n}期楼道公告 ${run}`, target: `building:${place.id}` })
  }
  await content.sendNotice({ text: `东区2号楼明日停水 ${run}`, target: `building:${place.id}`, urgent: true })
  const page = await open('notices/list/index')
  const first = await expectListMatches(page, place, 20)
  expect(first.length).toBe(20)
  expect(first.indexOf(`东区2号楼明日停水 ${run}`)).toBeLessThan(first.indexOf(`东区2号楼第21期楼道公告 ${run}`))
  expect(text(page, '#item-0')).toContain('紧急')
  snapshot(page, 'notices')

  await tap(page, '#more')                                         // the second page joins the first
  const [{ count }] = await backend.sql(
    "SELECT count(*) AS count FROM notice WHERE state = 'sent' AND tag_id IN (SELECT id FROM we_chat_tag WHERE building_id = ?)",
    place.id)
  expect(count).toBe(22)
  const both = await expectListMatches(page, place, 40, async () => { await page.instance.refresh(); await page.instance.loadMore() })
  expect(both).toContain(`东区2号楼第1期楼道公告 ${run}`)
  expect(new Set(listed(page)).size).toBe(listed(page).length)    // nothing shown twice
})

test('an urgent notice stays on top for three days; one sent four days ago takes its place by date', async () => {
  const place = await content.building('八家庄东区', '4号楼')
  await content.residentAt(place)
  const old = await content.sendNotice({
    text: `上周停气通知 ${run}`, target: `building:${place.id}`, urgent: true, sendAt: beijingDaysAgo(4),
  })
  await content.sendNotice({ text: `东区4号楼今晚停电 ${run}`, target: `building:${place.id}`, urgent: true })
  await content.sendNotice({ text: `东区4号楼电梯年检 ${run}`, target: `building:${place.id}` })
  expect(old.urgent).toBe(1)
  expect(Date.now() - content.storedTime(old.send_at)).toBeGreaterThan(3.9 * 24 * 3600 * 1000)

  const page = await open('notices/list/index')
  await expectListMatches(page, place, 20)
  const rows = listed(page)
  const stale = rows.findIndex(r => r.includes(`上周停气通知 ${run}`))
  const urgent = rows.findIndex(r => r.includes(`东区4号楼今晚停电 ${run}`))
  const fresh = rows.findIndex(r => r.includes(`东区4号楼电梯年检 ${run}`))
  expect(urgent).toBeGreaterThanOrEqual(0)
  expect(fresh).toBeGreaterThan(urgent)                // sent later, but not urgent: below it
  expect(stale).toBeGreaterThan(fresh)                 // urgent, but past its days on top
  expect(rows[stale]).toContain('紧急')                  // still marked for what it was
  expect(page.instance.data.items[stale].pinned).toBe(false)
})

test('pulling down shows a notice sent since the list was opened', async () => {
  const page = await open('notices/list/index')
  const before = listed(page)
  const fresh = `社区紧急提醒：大风天气请收好阳台物品 ${run}`
  expect(before.some(r => r.includes(fresh))).toBe(false)
  await content.sendNotice({ text: fresh, urgent: true })
  await page.instance.onPullDownRefresh()
  expect(phone.wx.stopPullDownRefresh).toHaveBeenCalled()
  await expectListMatches(page, null, 20)
  expect(listed(page).some(r => r.includes(fresh))).toBe(true)
})

test('an article opens as rich text with its cover, and its WeChat link can be copied', async () => {
  const article = await content.publishArticle({
    title: `安全用电小知识 ${run}`, digest: '冬季取暖注意事项', author: '社区宣传',
    body: '# 安全用电\n\n**不要**私拉电线给电动车充电。\n\n<script>alert("x")</script><a href="https://example.org" onclick="steal()">了解更多</a>',
  })
  const list = await open('notices/list/index')
  const index = listed(list).findIndex(r => r.includes(`安全用电小知识 ${run}`))
  expect(index).toBeGreaterThanOrEqual(0)
  expect(listed(list)[index]).toContain('文章')
  await tap(list, `#item-${index}`)
  const url = `/notices/article/index?id=${article.id}`
  expect(phone.wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url }))

  const page = await open('notices/article/index', { id: String(article.id) })
  expect(text(page, '#title')).toBe(article.title)
  expect(text(page, '#meta')).toContain('社区宣传')
  expect(text(page, '#digest')).toBe('冬季取暖注意事项')
  snapshot(page, 'article')
  const html = page.instance.data.doc.html
  expect(html).toContain('<h1>安全用电</h1>')
  expect(html).toContain('<strong>不要</strong>')
  // rich-text renders nothing under simulate: the HTML it is given is what is checked
  expect(page.querySelector('#body')).toBeTruthy()
  expect(page.querySelector('#text')).toBeFalsy()
  // an editor's script or event handler never reaches a resident's phone
  expect(html).not.toContain('<script')
  expect(html).not.toContain('onclick')
  expect(page.instance.data.doc.cover).toBe(`${backend.info().base}/media/${article.cover_path}`)
  await tap(page, '#wechat-link')
  expect(phone.wx.setClipboardData).toHaveBeenLastCalledWith(expect.objectContaining({ data: article.url }))
  expect(article.url).toBe(`https://mp.weixin.qq.com/s/art-${article.id}`)
})

test('a text notice shows its text as it was sent, line by line', async () => {
  const sent = await content.sendNotice({ text: `供暖调试通知 ${run}\n11月10日起管道试水\n请家中留人` })
  const page = await open('notices/article/index', { notice: String(sent.id) })
  expect(text(page, '#title')).toBe(`供暖调试通知 ${run}`)
  expect(page.instance.data.doc.text).toBe(sent.text)
  expect(screen(page)).toContain('11月10日起管道试水')
  expect(text(page, '#meta')).toContain('全体居民')
  expect(page.querySelector('#body')).toBeFalsy()
})

test("an article sent only to another building, or a draft, is not found by guessing its id", async () => {
  // The attack: a resident walks article ids to read what was sent to another building.
  const mine = await content.building('八家庄西区', '1号楼')
  const theirs = await content.building('八家庄西区', '2号楼')
  await content.residentAt(mine)
  const lift = await content.publishArticle({ title: `西区2号楼加装电梯意见征集 ${run}`, publish: false })
  const sent = await content.sendNotice({ articleId: lift.id, target: `building:${theirs.id}` })
  expect(sent.article_id).toBe(lift.id)

  const page = await open('notices/article/index', { id: String(lift.id) })
  expect(text(page, '#error')).toContain('文章不存在')
  expect(screen(page)).not.toContain('加装电梯')
  const byNotice = await open('notices/article/index', { notice: String(sent.id) })
  expect(text(byNotice, '#error')).toContain('通知不存在')
  // nor does anyone see it in the community's public list
  const everyone = await backend.api('GET', '/communities/bajiazhuang/notices?size=50')
  expect(everyone.data.items.map(i => i.title)).not.toContain(lift.title)
})

test('an article sent to my building opens from its notice', async () => {
  const place = await content.building('八家庄西区', '3号楼')
  await content.residentAt(place)
  const article = await content.publishArticle({
    title: `西区3号楼外墙维修说明 ${run}`, body: '施工期间请关好窗户', publish: false, image: true,
  })
  const sent = await content.sendNotice({ articleId: article.id, target: `building:${place.id}`, urgent: true })
  const page = await open('notices/article/index', { notice: String(sent.id) })
  expect(text(page, '#title')).toBe(article.title)
  expect(page.querySelector('#urgent')).toBeTruthy()
  const html = page.instance.data.doc.html
  expect(html).toContain('施工期间请关好窗户')
  // the body's image is on our server: a whole address, fitted to the screen
  expect(html).toContain(`src="${backend.info().base}/media/${article.cover_path}"`)
  expect(html).toMatch(/<img style="max-width:100%[^"]*"/)
  expect(text(page, '#meta')).toContain('八家庄西区 3号楼')
  expect(page.querySelector('#wechat-link')).toBeFalsy()           // mass-sent, never published: no link
})
