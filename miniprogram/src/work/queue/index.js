// 我的案件: the cases the staff member's roles cover, soonest deadline first (the API's order),
// each with its SLA clock (time left, or overdue). Signs in with the bound WeChat; an unbound
// one goes to the bind page; a building or unit leader goes to leader/home. Where the backend
// sends staff subscribe messages (GET /settings: staff_case), it asks for them (新案件和临期提醒)
// inside a tap, as WeChat requires: the 开启提醒 button, and each tap on a case (one consent,
// one message). WeChat keeps the consent; the answer is kept here only to say it.
const care = require('../../lib/care')
const settings = require('../../lib/settings')
const clock = require('../clock')
const session = require('../session')

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', items: [], next: null, error: null, staff: null, notify: [], notifyAnswer: '' },
  methods: {
    onShow() {
      this.load()
      settings.templates('staff_case').then(ids => this.setData({ notify: ids, notifyAnswer: answerOf(ids) }))
    },

    askNotify() {
      const ids = this.data.notify
      return settings.ask('staff_case', ids).then(() => this.setData({ notifyAnswer: answerOf(ids) }))
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        // A building or unit leader has doors to knock on, not cases: their own home.
        if (session.leaderOnly(await session.me())) {
          wx.redirectTo({ url: '/leader/home/index' })
          return
        }
        const page = await session.call({ path: '/staff/cases' })
        this.setData({ state: 'shown', error: null, staff: session.staff(), items: page.items.map(view), next: page.next })
      } catch (e) {
        if (e.code === 'not_bound') {
          wx.redirectTo({ url: '/work/bind/index' })
          return
        }
        this.setData({ state: 'error', error: { title: e.title || '出了点问题', next: e.next || '' } })
      }
    },

    async more() {
      try {
        const page = await session.call({ path: '/staff/cases', data: { after: this.data.next } })
        this.setData({ items: this.data.items.concat(page.items.map(view)), next: page.next })
      } catch (e) {
        this.setData({ error: { title: e.title || '出了点问题', next: e.next || '' } })
      }
    },

    openDoors() { wx.navigateTo({ url: '/leader/home/index' }) },

    openCase(e) {
      if (this.data.notify.length) this.askNotify()
      wx.navigateTo({ url: `/work/case/index?number=${e.currentTarget.dataset.number}` })
    },
  },
})

// What the worker last answered to the staff template: 'accept', 'reject', ... or ''.
function answerOf(ids) {
  const chosen = settings.chosen('staff_case')
  return (ids.length && chosen && chosen[ids[0]]) || ''
}

function view(item) {
  return { ...item, clock: clock.caseClock(item) }
}
