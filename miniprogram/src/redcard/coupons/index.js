// 我的红卡券: the resident's coupons by what they can do with them: 可使用 / 已使用 / 已过期.
// Read again each time the page shows, so a coupon just used at the counter moves tabs.
const api = require('../../lib/api')
const care = require('../../lib/care')
const terms = require('../terms')

const TABS = ['issued', 'redeemed', 'expired']
const EMPTY = { issued: '没有可使用的券，去领一张吧。', redeemed: '还没有用过的券。', expired: '没有过期的券。' }

Component({
  behaviors: [care.behavior],
  data: { tab: 'issued', items: [], loaded: false, error: null, empty: EMPTY.issued },
  methods: {
    onLoad(query = {}) {
      if (TABS.includes(query.state)) this.setData({ tab: query.state, empty: EMPTY[query.state] })
    },

    onShow() { this.load() },

    async load() {
      const tab = this.data.tab
      this.setData({ error: null })
      try {
        const { items } = await api.get('/coupons', { state: tab })
        if (tab !== this.data.tab) return          // the resident switched tabs meanwhile
        this.setData({ items: items.map(terms.coupon), loaded: true })
      } catch (e) {
        this.setData({ error: { title: e.title, next: e.next }, loaded: true })
      }
    },

    switchTab(e) {
      const tab = e.detail.value
      if (!TABS.includes(tab) || tab === this.data.tab) return
      this.setData({ tab, items: [], loaded: false, empty: EMPTY[tab] })
      this.load()
    },

    retry() { this.load() },

    open(e) { wx.navigateTo({ url: `/redcard/coupon/index?id=${e.currentTarget.dataset.id}` }) },

    goCampaigns() { wx.navigateTo({ url: '/redcard/campaigns/index' }) },
  },
})
