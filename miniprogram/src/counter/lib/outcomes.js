// What the counter says after a redemption, in big type and a colour a busy clerk reads at a
// glance, with the next step. Keys are the API's outcome codes (coupons/redemption.py).
const ANSWERS = {
  ok: { title: '核销成功', tone: 'ok', next: '请按优惠后的金额收款。' },
  already_redeemed: { title: '已使用', tone: 'no', next: '这张券已经核销过了，不能再用。请顾客换一张券，或按原价结账。' },
  expired: { title: '已过期', tone: 'no', next: '这张券已过有效期，不能使用。请按原价结账。' },
  not_yet_valid: { title: '还不能使用', tone: 'no', next: '这张券还没到可以使用的时间，请看券上的有效期。' },
  below_threshold: { title: '未达到使用门槛', tone: 'warn', next: '请核对订单金额；顾客加购到门槛以上后可以再核销。' },
  // The API answers code_unknown for another merchant's coupon and says nothing about it. A QR
  // that passed the signature check was made by the server for a real coupon, so scanned, it is
  // another shop's; typed, it may also be a code that does not exist.
  not_this_merchant: { title: '非本店券', tone: 'no', next: '这张券不是本店的，请顾客到发券的商家使用。' },
  code_unknown: { title: '券码不存在', tone: 'no', next: '请核对顾客券上的券码；也可能是别家店的券。' },
  code_mistyped: { title: '券码有误', tone: 'warn', next: '请对照顾客手机上的券码重新输入（不分大小写，可不输短横线）。' },
  qr_expired: { title: '二维码已过期', tone: 'no', next: '可能是截图或旧的码。请顾客在自己手机上打开这张券，扫正在显示的二维码。' },
  qr_forged: { title: '不是红卡券二维码', tone: 'no', next: '请扫顾客“我的红卡券”里打开的券码。' },
  code_required: { title: '请扫码或输入券码', tone: 'warn', next: '' },
  bad_order_fen: { title: '订单金额有误', tone: 'warn', next: '请输入 0–1000 万元之间的金额，最多两位小数。' },
  too_many_failures: { title: '失败次数过多', tone: 'no', next: '请 10 分钟后再试，或联系社区。' },
  merchant_not_active: { title: '本店暂停核销', tone: 'no', next: '商家未处于合作状态，请联系社区。' },
  lost: { title: '没有收到结果', tone: 'warn', next: '网络不好，核销可能已成功。请点“重新提交”：已成功的不会重复核销。' },
}

// The answer for a failed redemption `error` (an ApiError); `scanned`: the code came from a QR.
function forError(error, scanned) {
  if (error.kind === 'timeout' || error.kind === 'offline' || error.kind === 'server_down') return { ...ANSWERS.lost, code: 'lost' }
  const code = error.code === 'code_unknown' && scanned ? 'not_this_merchant' : error.code
  const answer = ANSWERS[code]
  if (!answer) return { title: error.title, tone: 'no', next: error.next, code }
  // the backend's own words carry the figures (订单金额未满 20.00 元…)
  const said = code === 'below_threshold' && error.title ? `${error.title}。` : ''
  return { ...answer, next: said + answer.next, code }
}

// Short words for the day's list.
function label(outcome) {
  return (ANSWERS[outcome] || { title: outcome }).title
}

function yuan(fen) {
  return fen === null || fen === undefined ? '' : (fen / 100).toFixed(2)
}

// What the clerk typed as yuan ("26", "26.5", "26.50") in fen; null when empty, NaN when not money.
function toFen(text) {
  const t = String(text || '').trim()
  if (!t) return null
  if (!/^\d{1,8}(\.\d{0,2})?$/.test(t)) return NaN
  const [whole, part = ''] = t.split('.')
  return Number(whole) * 100 + Number((part + '00').slice(0, 2))
}

module.exports = { ANSWERS, forError, label, yuan, toFen }
