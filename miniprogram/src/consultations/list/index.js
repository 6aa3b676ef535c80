// 征询/表决: the consultations of my unit, building, estate and community that have opened; the
// open ones first, each with its closing time and whether my household has answered, then the
// closed ones with their outcome. Without a confirmed address in a room the page says so and
// leads to the address page.
const api = require('../../lib/api')
const care = require('../../lib/care')
const consultations = require('../../lib/consultations')

Component({
  behaviors: [care.behavior],
  data: { open: [], closed: [], state: 'loading', error: null },
  methods: {
    onLoad() { this.load() },

    // Back from a consultation: my household's voice may have changed.
    onShow() {
      if (this.shownOnce) this.load()
      this.shownOnce = true
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      try {
        const items = (await api.get('/consultations')).items.map(consultations.view)
        const open = items.filter(c => !c.closed)
        const closed = items.filter(c => c.closed)
        this.setData({ open, closed, state: items.length ? 'list' : 'empty', error: null })
      } catch (e) {
        this.setData({ state: 'error', error: consultations.failure(e) })
      }
    },

    retry() {
      this.setData({ state: 'loading' })
      this.load()
    },

    open(e) {
      wx.navigateTo({ url: `/consultations/detail/index?id=${e.currentTarget.dataset.id}` })
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
