// 志愿服务: the open activities of my community's and my building's teams, soonest first, each
// with its places and my sign-up (已报名, 候补第N位 …); doors to the teams and to my record.
// Without a confirmed address the page says so and leads to the address page.
const api = require('../../lib/api')
const care = require('../../lib/care')
const volunteers = require('../volunteers')

Component({
  behaviors: [care.behavior],
  data: { items: [], state: 'loading', error: null },
  methods: {
    onLoad() { this.load() },

    // Back from an activity: my sign-up may have changed.
    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
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
    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
