// 邻里议事: the proposals of my unit, building, estate and community, newest first, one scope at a
// time or all; each with its state, and its support against the bar that puts it on the
// residents' council's agenda. Without a confirmed address in a room there is nothing to list:
// the page says so and leads to the address page.
const api = require('../../lib/api')
const care = require('../../lib/care')
const proposals = require('../../lib/proposals')

const SIZE = 20
const TABS = [{ key: '', label: '全部' }].concat(proposals.SCOPES)

Component({
  behaviors: [care.behavior],
  data: {
    tabs: TABS, scope: '', items: [], total: 0, page: 0,
    state: 'loading', error: null, more: false, moreError: null,
  },
  methods: {
    onLoad() { this.load() },

    // Back from raising or from a proposal: its counts may have changed.
    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    onReachBottom() {
      if (this.data.more && !this.loadingMore) this.loadMore()
    },

    async fetch(page) {
      const query = { page, size: SIZE }
      if (this.data.scope) query.scope = this.data.scope
      return api.get('/proposals', query)
    },

    async load() {
      const asked = this.data.scope
      try {
        const found = await this.fetch(1)
        if (asked !== this.data.scope) return         // another tab was chosen meanwhile
        this.setData({
          items: found.items.map(proposals.view), total: found.total, page: 1,
          more: found.total > found.items.length, state: found.items.length ? 'list' : 'empty',
          error: null, moreError: null,
        })
      } catch (e) {
        const error = proposals.explain(e)
        this.setData({ state: 'error', error: { ...error, address: proposals.needsAddress(error.kind) } })
      }
    },

    async loadMore() {
      this.loadingMore = true
      try {
        const found = await this.fetch(this.data.page + 1)
        const items = this.data.items.concat(found.items.map(proposals.view))
        this.setData({ items, page: this.data.page + 1, more: found.total > items.length, moreError: null })
      } catch (e) {
        this.setData({ moreError: proposals.explain(e) })
      } finally {
        this.loadingMore = false
      }
    },

    chooseTab(e) {
      const scope = e.currentTarget.dataset.scope
      if (scope === this.data.scope) return
      this.setData({ scope, state: 'loading', items: [] })
      this.load()
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    open(e) {
      wx.navigateTo({ url: `/proposals/detail/index?id=${e.currentTarget.dataset.id}` })
    },

    raise() { wx.navigateTo({ url: '/proposals/new/index' }) },
    toConsultations() { wx.navigateTo({ url: '/consultations/list/index' }) },
    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
