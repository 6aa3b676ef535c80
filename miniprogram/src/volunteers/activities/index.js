// 志愿服务: the open activities of my community's and my building's teams, soonest first, each
// with its places and my sign-up (已报名, 候补第N位 …); doors to the teams and to my record.
// Without a confirmed address the page says so and leads to the address page. A resident who
// leads a team also gets 我带的队 (the teamlead/ subpackage).
const api = require('../../lib/api')
const care = require('../../lib/care')
const volunteers = require('../volunteers')

Component({
  behaviors: [care.behavior],
  data: { items: [], state: 'loading', error: null, leads: false },
  methods: {
    onLoad() { this.load() },

    // Back from an activity: my sign-up may have changed.
    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      // whether I lead a team: a failure here hides the door, never the activities
      api.get('/volunteers/lead/teams').then(led => this.setData({ leads: led.items.length > 0 }), () => {})
      try {
        const items = (await api.get('/volunteers/activities')).items.map(a => volunteers.view(a))
        this.setData({ items, state: items.length ? 'list' : 'empty', error: null })
      } catch (e) {
        this.setData({ state: 'error', error: volunteers.explain(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    open(e) { wx.navigateTo({ url: `/volunteers/activity/index?id=${e.currentTarget.dataset.id}` }) },
    toTeams() { wx.navigateTo({ url: '/volunteers/teams/index' }) },
    toRecord() { wx.navigateTo({ url: '/volunteers/record/index' }) },
    toLead() { wx.navigateTo({ url: '/teamlead/teams/index' }) },
    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
