// How a campaign's terms and a coupon's dates read to a resident. Times come from the backend
// as ISO 8601 already in the community's time (+08:00), so their text is read, not converted:
// a phone set to another time zone still shows the counter's dates.

function yuan(fen) {
  const value = (Number(fen) || 0) / 100
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0$/, '')
}

// 88 → 8.8折, 90 → 9折
function zhe(percent) {
  return `${percent % 10 ? (percent / 10).toFixed(1) : percent / 10}折`
}

function offer(terms) {
  const above = terms.threshold_fen ? `满${yuan(terms.threshold_fen)}元` : ''
  if (terms.kind === 'cash_off') return above ? `${above}减${yuan(terms.value_fen)}元` : `立减${yuan(terms.value_fen)}元`
  if (terms.kind === 'discount') return `${above}${above ? '享' : ''}${zhe(terms.discount_percent)}`
  if (terms.kind === 'gift') return terms.value_fen ? `赠品（价值${yuan(terms.value_fen)}元）` : '赠品'
  return terms.value_fen ? `服务券（价值${yuan(terms.value_fen)}元）` : '服务券'
}

function day(iso) {
  return iso ? iso.slice(0, 10) : ''
}

function minute(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : ''
}

function validity(campaign) {
  if (campaign.valid_days) return `领取后 ${campaign.valid_days} 天内有效`
  return `${day(campaign.valid_from)} 至 ${day(campaign.valid_until)} 有效`
}

// What the coupon is worth doing with now, for the coupon page and the list.
const STATES = {
  issued: { text: '可使用', theme: 'success' },
  redeemed: { text: '已使用', theme: 'default' },
  expired: { text: '已过期', theme: 'default' },
}

function coupon(c) {
  const state = STATES[c.state] || STATES.expired
  const when = c.state === 'redeemed' ? `已于 ${minute(c.redeemed_at)} 使用`
    : c.state === 'expired' ? `已于 ${minute(c.expires_at)} 过期`
      : `有效期至 ${minute(c.expires_at)}`
  return {
    id: c.id,
    code: c.code,
    state: c.state,
    stateText: state.text,
    stateTheme: state.theme,
    when,
    title: c.campaign.title,
    offer: offer(c.campaign),
    merchant: c.campaign.merchant,
    address: c.campaign.merchant_address || '',
    rules: c.campaign.rules || '',
  }
}

module.exports = { yuan, zhe, offer, day, minute, validity, coupon, STATES }
