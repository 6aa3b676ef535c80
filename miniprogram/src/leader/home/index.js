// 入户工作: the leader's home. Their door rounds with the households still to visit, the
// consultations in which they record voices at the door with those not answered yet, and their
// work notices not yet acknowledged; marks tapped and not yet answered are counted plainly.
const care = require('../../lib/care')
const session = require('../../lib/staff_session')
const leader = require('../leader')

Component({
  behaviors: [care.behavior],
  data: { state: 'loading', staff: null, rounds: [], consultations: [], tasks: 0, unsent: 0, error: null },
  methods: {
    onShow() { this.load() },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      this.setData({ unsent: Object.keys(leader.pending()).length })
      try {
        await session.me()          // one sign-in before the two calls, not one each
        const [mine, open] = await Promise.all([leader.mine(), session.call({ path: '/staff/consultations' })])
        this.setData({
          state: 'shown', error: null, staff: session.staff(),
          rounds: mine.rounds.map(r => ({
            id: r.id, title: r.title, deadline: leader.time(r.deadline),
            left: r.items.filter(i => i.state === 'open' || i.state === 'not_home').length, total: r.items.length,
          })),
          consultations: open.items.map(c => ({ id: c.id, question: c.question, waiting: c.waiting,
            households: c.households, closes: leader.time(c.closes_at) })),
          tasks: mine.tasks.filter(t => !t.acknowledged_at).length,
        })
      } catch (e) {
        if (leader.notBound(e)) return
        this.setData({ state: 'error', error: leader.shown(e) })
      }
    },

    openRound(e) { wx.navigateTo({ url: `/leader/round/index?id=${e.currentTarget.dataset.id}` }) },
    openDoor(e) { wx.navigateTo({ url: `/leader/door/index?id=${e.currentTarget.dataset.id}` }) },
    openTasks() { wx.navigateTo({ url: '/leader/tasks/index' }) },
    openVolunteers() { wx.navigateTo({ url: '/leader/volunteers/index' }) },
  },
})
