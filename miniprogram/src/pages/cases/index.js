// 我的报事: the resident's cases, newest first, a page at a time; pull down to refresh, scroll
// to the bottom for more. A tab page stays alive, so each return to it shows what changed.
const api = require('../../lib/api')
const care = require('../../lib/care')
const cases = require('../../lib/cases')

const PAGE_SIZE = 10
const FOOTERS = { more: '上拉加载更多', loading: '正在加载…', error: '加载失败，点此重试', end: '没有更多了' }

function row(c, names) {
  return {
    number: c.number,
    stateLabel: c.state_label,
    theme: cases.theme(c.state),
    category: names[c.category_id] || (c.category_id ? '' : '待分类'),
    excerpt: cases.excerpt(c.description),
    date: cases.day(c.created_at),
  }
}

Component({
  behaviors: [care.behavior],
  data: { view: 'loading', items: [], total: 0, error: null, footer: '', footerText: '' },
  methods: {
    onLoad() {
      this.names = null          // category id → name, once per page
      this.page = 0
      this.run = 0               // a newer reload makes older answers stale
    },

    onShow() { this.reload() },

    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },

    onReachBottom() { this.loadMore() },

    // Categories are decoration: without them the list still shows, and the next reload asks again.
    async categoryNames() {
      if (this.names) return this.names
      try {
        const list = await api.get('/categories', undefined, { auth: false })
        this.names = Object.fromEntries(list.map(c => [c.id, c.name]))
        return this.names
      } catch (e) {
        return {}
      }
    },

    async reload() {
      const run = ++this.run
      if (!this.data.items.length) this.setData({ view: 'loading' })
      try {
        const [names, first] = await Promise.all([this.categoryNames(), api.get('/reports', { page: 1, size: PAGE_SIZE })])
        if (run !== this.run) return
        this.page = 1
        this.show(first.items.map(c => row(c, names)), first)
        this.setData({ error: null })
      } catch (e) {
        if (run !== this.run) return
        this.setData({ view: this.data.items.length ? 'list' : 'error', error: { title: e.title, next: e.next } })
      }
    },

    async loadMore() {
      const { footer } = this.data
      if (this.data.view !== 'list' || footer === 'loading' || footer === 'end') return
      const run = this.run
      this.setFooter('loading')
      try {
        const [names, next] = await Promise.all([this.categoryNames(), api.get('/reports', { page: this.page + 1, size: PAGE_SIZE })])
        if (run !== this.run) return
        this.page += 1
        // A case filed meanwhile shifts the pages by one: a case already shown is not shown twice.
        const seen = new Set(this.data.items.map(c => c.number))
        this.show(this.data.items.concat(next.items.filter(c => !seen.has(c.number)).map(c => row(c, names))), next)
      } catch (e) {
        if (run === this.run) this.setFooter('error')
      }
    },

    // `answer`: the page just read; a short page is the last, whatever the total said.
    show(items, answer) {
      const end = items.length >= answer.total || answer.items.length < PAGE_SIZE
      this.setData({ items, total: answer.total, view: items.length ? 'list' : 'empty' })
      this.setFooter(end ? 'end' : 'more')
    },

    setFooter(footer) {
      this.setData({ footer, footerText: FOOTERS[footer] })
    },

    tapFooter() {
      if (this.data.footer === 'error' || this.data.footer === 'more') this.loadMore()
    },

    open(e) {
      wx.navigateTo({ url: `/case/detail/index?number=${encodeURIComponent(e.currentTarget.dataset.number)}` })
    },

    goReport() { wx.switchTab({ url: '/pages/report/index' }) },

    retry() { this.reload() },
  },
})
