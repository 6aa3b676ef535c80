// 社区红卡: the live campaigns this resident may claim, each with what is left, and one tap to
// claim. A claim carries an Idempotency-Key made once per campaign and kept (in storage, so it
// outlives the page) until the claim succeeds: a retry after a lost answer, or a second tap,
// returns the coupon the first one got instead of claiming another.
const api = require('../../lib/api')
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const terms = require('../terms')

const KEYS = 'linli.claimKeys'
// Refusals after which the list no longer says what the resident saw: read it again.
const STALE = ['sold_out', 'limit_reached', 'daily_limit', 'not_live', 'outside_claim_window', 'campaign_expired',
  'not_found', 'conflict']

function claimKey(campaignId) {
  const keys = wx.getStorageSync(KEYS) || {}
  if (!keys[campaignId]) {
    keys[campaignId] = api.newKey('claim')
    wx.setStorageSync(KEYS, keys)
  }
  return keys[campaignId]
}

function forgetKey(campaignId) {
  const keys = wx.getStorageSync(KEYS) || {}
  delete keys[campaignId]
  wx.setStorageSync(KEYS, keys)
}

function card(c) {
  const full = c.held >= c.per_resident_limit
  return {
    id: c.id,
    title: c.title,
    offer: terms.offer(c),
    merchant: c.merchant,
    address: c.merchant_address || '',
    validity: terms.validity(c),
    rules: c.rules || '',
    remaining: c.remaining,
    held: c.held || 0,
    closes: terms.minute(c.claim_ends_at),
    limit: c.per_day_limit ? `每人限领 ${c.per_resident_limit} 张，每天 ${c.per_day_limit} 张`
      : `每人限领 ${c.per_resident_limit} 张`,
    soldOut: c.remaining <= 0,
    full,
    button: c.remaining <= 0 ? '已领完' : full ? '已领取' : c.held ? '再领一张' : '立即领取',
  }
}

Component({
  behaviors: [care.behavior],
  data: { loaded: false, items: [], error: null, address: null, claiming: {}, claimed: {} },
  methods: {
    onShow() { this.load() },

    async load() {
      try {
        const { items } = await api.get('/campaigns')
        const update = { items: items.map(card), error: null, loaded: true, address: null }
        // An empty list for a resident whose address is not confirmed says nothing about the
        // community's campaigns: tell them what stands between them and the red card.
        if (!items.length) {
          const me = await api.get('/me')
          const state = (me.address && me.address.state) || 'none'
          if (state !== 'confirmed') update.address = { state, pending: state === 'pending' }
        }
        this.setData(update)
      } catch (e) {
        this.setData({ error: { title: e.title, next: e.next }, loaded: true })
      }
    },

    retry() { this.load() },

    async claim(e) {
      const id = Number(e.currentTarget.dataset.id)
      // A second tap while the first is on its way is the same intent: it waits for that answer.
      if (this.data.claiming[id]) return
      this.setData({ [`claiming.${id}`]: true })
      try {
        const { status, data: coupon } = await api.post(`/campaigns/${id}/claim`, {},
          { header: { 'Idempotency-Key': claimKey(id) }, withStatus: true })
        forgetKey(id)
        this.setData({ [`claimed.${id}`]: { id: coupon.id, code: coupon.code } })
        // 200: the key's earlier claim (its answer was lost), not a new coupon; said as it is
        wx.showToast({ title: status === 201 ? '领取成功' : '已领到这张券', icon: 'success' })
        this.load()
      } catch (err) {
        if (err.kind === 'address_not_confirmed') this.offerAddress(err)
        else errors.show(err)
        if (STALE.includes(err.kind)) this.load()
      } finally {
        this.setData({ [`claiming.${id}`]: false })
      }
    },

    // The one refusal the resident can act on at once: the address page is a tap away.
    offerAddress(err) {
      wx.showModal({
        title: err.title, content: err.next, confirmText: '去填写住址', cancelText: '以后再说',
        success: res => { if (res.confirm) this.goAddress() },
      })
    },

    goAddress() { wx.navigateTo({ url: '/pages/address/index' }) },

    useCoupon(e) { wx.navigateTo({ url: `/redcard/coupon/index?id=${e.currentTarget.dataset.id}` }) },

    goCoupons() { wx.navigateTo({ url: '/redcard/coupons/index' }) },
  },
})
