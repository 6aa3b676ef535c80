// 社区通知: every notice and article sent to the resident, urgent ones first while fresh, then
// newest first; more as they scroll (or tap 加载更多), fresh ones on pulling down.
const api = require('../../lib/api')
const care = require('../../lib/care')
const notices = require('../../lib/notices')

const SIZE = 20

Component({
  behaviors: [care.behavior],
  data: { items: [], total: 0, page: 0, loading: false, more: false, error: null, loaded: false },
  methods: {
    onLoad() { this.refresh() },

    onPullDownRefresh() { return this.refresh().then(() => wx.stopPullDownRefresh()) },

    onReachBottom() { if (this.data.more) this.loadMore() },

    refresh() { return this.fetch(1) },

    loadMore() { return this.fetch(this.data.page + 1) },

    async fetch(page) {
      if (this.busy) return
      this.busy = true
      this.setData({ loading: true, error: null })
      try {
        const answer = await api.get('/notices', { page, size: SIZE })
        const fresh = answer.items.map(notices.view)
        // A notice sent while the resident reads shifts the pages by one: never show it twice.
        const kept = page === 1 ? [] : this.data.items
        const seen = new Set(kept.map(i => i.key))
        const items = kept.concat(fresh.filter(i => !seen.has(i.key)))
        this.setData({
          items, total: answer.total, page, loading: false, loaded: true,
          more: page * SIZE < answer.total && fresh.length > 0,
        })
      } catch (e) {
        this.setData({ loading: false, loaded: true, error: { title: e.title, next: e.next } })
      } finally {
        this.busy = false
      }
    },

    retry() { return this.data.page ? this.loadMore() : this.refresh() },

    open(e) { notices.open(this.data.items[e.currentTarget.dataset.index]) },
  },
})
