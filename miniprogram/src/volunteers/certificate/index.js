// 志愿服务证明: what the certificate shows, as the backend gives it: the volunteer, their teams,
// each activity with confirmed hours, the total and the issuing community. Only confirmed hours
// count; an activity the leader has not confirmed is not on it.
const api = require('../../lib/api')
const care = require('../../lib/care')
const volunteers = require('../volunteers')

Component({
  behaviors: [care.behavior],
  data: { c: null, state: 'loading', error: null },
  methods: {
    onLoad() { this.load() },

    async load() {
      try {
        const c = await api.get('/volunteers/certificate')
        this.setData({
          state: 'shown', error: null,
          c: {
            ...c,
            teamsText: c.teams.join('、'),
            total: volunteers.hours(c.total_minutes),
            lines: c.activities.map((line, index) => ({ ...line, index, hours: volunteers.hours(line.minutes) })),
          },
        })
      } catch (e) {
        this.setData({ state: 'error', error: volunteers.explain(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
