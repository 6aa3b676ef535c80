// 活动数据: what each of this merchant's campaigns brought (claimed, redeemed, new and returning
// customers, the orders' value). `?id=` opens one campaign; another merchant's is not found.
const care = require('../../lib/care')
const merchant = require('../lib/merchant')
const outcomes = require('../lib/outcomes')

const STATES = { draft: '草稿', approved: '已审核', live: '进行中', paused: '已暂停', ended: '已结束' }
const SHOWN = 10                      // a shop's recent campaigns: a few requests, not a report

function figures(s) {
  return {
    id: s.campaign_id, title: s.title, state: STATES[s.state] || s.state, claimed: s.claimed, redeemed: s.redeemed,
    rate: s.redemption_rate === null ? '—' : `${Math.round(s.redemption_rate * 100)}%`,
    firstTime: s.first_time_customers, returning: s.returning_customers,
    redeemedYuan: outcomes.yuan(s.value_redeemed_fen), stock: s.stock,
  }
}

Component({
  behaviors: [care.behavior],
  data: { loaded: false, items: [], error: null },
  methods: {
    onLoad(query = {}) {
      this.only = query.id ? Number(query.id) : null
      this.load()
    },

    onPullDownRefresh() { this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      this.setData({ error: null })
      try {
        this.counter = this.counter || await merchant.open()
        const ids = this.only ? [this.only]
          : (await this.counter.get('/merchant/campaigns')).items.slice(0, SHOWN).map(c => c.id)
        const stats = await Promise.all(ids.map(id => this.counter.get(`/merchant/campaigns/${id}/stats`)))
        this.setData({ loaded: true, items: stats.map(figures) })
      } catch (e) {
        const next = e.status === 404 ? '这个活动不是本店的，或已被删除。' : e.next
        this.setData({ loaded: true, items: [], error: { title: e.title, next } })
      }
    },
  },
})
