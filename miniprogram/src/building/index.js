// 我的楼栋 (story 5): who serves my unit (片长, 楼长, 单元长, 网格员), called with one tap where
// they published a phone, and what was fixed in my building lately. The board is public, so a
// resident whose address still waits for confirmation sees it too; without an address the page
// asks for one.
const api = require('../lib/api')
const care = require('../lib/care')
const session = require('../lib/session')
const notices = require('../lib/notices')
const { describe } = require('../lib/address')

const RESOLVED_SIZE = 10

Component({
  behaviors: [care.behavior],
  data: {
    state: 'loading', address: describe(null), addressState: 'none', board: null,
    resolved: [], resolvedTotal: 0, resolvedPage: 0, resolvedMore: false, resolvedError: null, error: null,
  },
  methods: {
    onLoad() { this.load() },

    // back from the address page: an address may have been filled in
    onShow() { if (this.data.state === 'none' && this.loaded) this.load() },

    async load() {
      this.setData({ state: 'loading', error: null })
      try {
        const me = await api.get('/me')
        session.remember(me)
        this.loaded = true
        const address = me.address
        this.setData({ address: describe(address), addressState: address.state })
        if (!address.building_id) return this.setData({ state: 'none' })
        this.place = { building: address.building_id, unit: address.unit_id, community: address.community.code }
        const board = await api.get(address.unit_id ? `/units/${address.unit_id}/board` : `/buildings/${address.building_id}/board`,
          undefined, { auth: false })
        this.setData({ state: 'ready', board, resolved: [], resolvedPage: 0 })
        await this.moreResolved()
      } catch (e) {
        this.setData({ state: 'error', error: { title: e.title, next: e.next } })
      }
    },

    async moreResolved() {
      const page = this.data.resolvedPage + 1
      try {
        const answer = await api.get(`/communities/${this.place.community}/resolved`,
          { building_id: this.place.building, page, size: RESOLVED_SIZE }, { auth: false })
        const rows = answer.items.map(c => ({ ...c, date: notices.shortTime(c.resolved_at) }))
        const resolved = this.data.resolved.concat(rows.filter(r => !this.data.resolved.some(s => s.number === r.number)))
        this.setData({
          resolved, resolvedTotal: answer.total, resolvedPage: page, resolvedError: null,
          resolvedMore: page * RESOLVED_SIZE < answer.total && rows.length > 0,
        })
      } catch (e) {
        this.setData({ resolvedError: { title: e.title, next: e.next } })
      }
    },

    call(e) {
      const contact = this.data.board.contacts[e.currentTarget.dataset.index]
      if (contact && contact.phone) wx.makePhoneCall({ phoneNumber: contact.phone })
    },

    fillAddress() { wx.navigateTo({ url: '/pages/address/index' }) },

    retry() { this.load() },
  },
})
