// 我的志愿服务: every activity I signed up for (not cancelled), newest first, with its hours once
// the leader has confirmed them; until then it says so and adds nothing to the total (志愿服务
// 条例: a record is truthful). 志愿服务证明 opens the certificate.
const api = require('../../lib/api')
const care = require('../../lib/care')
const volunteers = require('../volunteers')

function entry(e) {
  const confirmed = e.minutes !== null && e.minutes !== undefined
  return {
    ...e,
    date: `${e.starts_at.slice(0, 4)}年${volunteers.day(e.starts_at)}`,
    hoursText: e.state === 'waitlisted' ? '候补，未获名额' : e.no_show ? '未到场' : confirmed ? volunteers.hours(e.minutes) : '待队长确认时长',
    confirmed: confirmed && !e.no_show,
  }
}

Component({
  behaviors: [care.behavior],
  data: { entries: [], total: '', state: 'loading', error: null },
  methods: {
    onLoad() { this.load() },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const record = await api.get('/volunteers/record')
        this.setData({
          entries: record.entries.map(entry),
          total: volunteers.hours(record.total_minutes),
          state: record.entries.length ? 'list' : 'empty',
          error: null,
        })
      } catch (e) {
        this.setData({ state: 'error', error: volunteers.explain(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    open(e) { wx.navigateTo({ url: `/volunteers/activity/index?id=${e.currentTarget.dataset.id}` }) },
    toCertificate() { wx.navigateTo({ url: '/volunteers/certificate/index' }) },
    toActivities() { wx.navigateTo({ url: '/volunteers/activities/index' }) },
    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
