// 首页: urgent notices on top, the latest notices and articles, and the big doors to what
// residents come for. The doors work without the server; when it cannot be reached the page
// says so, offers 重试, and shows the notices it last loaded rather than nothing.
const api = require('../../lib/api')
const care = require('../../lib/care')
const notices = require('../../lib/notices')
const session = require('../../lib/session')

const CACHE = 'linli.home'
const FETCH = 10                 // enough for the urgent ones and the latest 3 behind them
const URGENT_SHOWN = 3
const LATEST_SHOWN = 3
const STALE_AFTER = 5 * 60 * 1000          // ms: back on the tab after this long, load again

Component({
  behaviors: [care.behavior],
  data: {
    loading: true, failure: null, stale: '', urgent: [], latest: [],
    community: '', address: '', hasAddress: true,
  },
  methods: {
    onLoad() { this.load() },

    onShow() {
      if (this.loadedAt && Date.now() - this.loadedAt > STALE_AFTER) this.load()
    },

    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) },

    async load() {
      this.setData({ loading: true })
      try {
        const feed = await api.get('/notices', { page: 1, size: FETCH })
        this.loadedAt = Date.now()
        // when, in Beijing time as the page shows every time: UTC shifted by 8 hours, read as text
        wx.setStorageSync(CACHE, { feed, at: notices.shortTime(new Date(Date.now() + 8 * 3600 * 1000).toISOString()) })
        this.show(feed)
        this.setData({ failure: null, stale: '', loading: false })
      } catch (e) {
        const cached = wx.getStorageSync(CACHE)
        if (cached && cached.feed) this.show(cached.feed)
        this.setData({
          loading: false,
          failure: { title: e.title, next: e.next },
          stale: cached && cached.feed ? `以下是 ${cached.at} 加载的通知，可能不是最新的。` : '',
        })
      }
    },

    show(feed) {
      const items = feed.items.map(notices.view)
      const me = session.resident()
      const address = me && me.address
      this.setData({
        urgent: items.filter(i => i.pinned).slice(0, URGENT_SHOWN),
        latest: items.filter(i => !i.pinned).slice(0, LATEST_SHOWN),
        community: feed.community ? feed.community.name : '',
        address: address && address.label ? address.label : '',
        hasAddress: !me || !!(address && address.building_id),     // unknown until signed in
      })
    },

    retry() { this.load() },

    openUrgent(e) { notices.open(this.data.urgent[e.currentTarget.dataset.index]) },
    openLatest(e) { notices.open(this.data.latest[e.currentTarget.dataset.index]) },
    toList() { wx.navigateTo({ url: '/notices/list/index' }) },
    toReport() { wx.switchTab({ url: '/pages/report/index' }) },
    toCases() { wx.switchTab({ url: '/pages/cases/index' }) },
    toBuilding() { wx.navigateTo({ url: '/building/index' }) },
    toRedcard() { wx.navigateTo({ url: '/redcard/campaigns/index' }) },
    toProposals() { wx.navigateTo({ url: '/proposals/list/index' }) },
    toConsultations() { wx.navigateTo({ url: '/consultations/list/index' }) },
    toVolunteers() { wx.navigateTo({ url: '/volunteers/activities/index' }) },
    toAddress() { wx.navigateTo({ url: '/pages/address/index' }) },
  },
})
