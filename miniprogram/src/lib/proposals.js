// How a 议事 (proposal) reads to residents, on the list (proposals/list) and on its own page
// (proposals/detail): the state as a short tag, the support against the bar, and the refusals
// with the next step that fits taking part in a proposal.
const errors = require('./errors')

// Short tags for the list (the API's state_label is the longer phrase shown on the detail).
const TAGS = {
  open: { text: '征集中', theme: 'warning' },
  on_agenda: { text: '已上议事会', theme: 'primary' },
  adopted: { text: '已采纳', theme: 'success' },
  merged: { text: '已合并', theme: 'default' },
  declined: { text: '未采纳', theme: 'danger' },
}
// The states in which a household may still support and comment (models/proposals.py OPEN_STATES).
const OPEN = ['open', 'on_agenda']
const SCOPES = [
  { key: 'unit', label: '本单元' },
  { key: 'building', label: '本楼' },
  { key: 'estate', label: '本小区' },
  { key: 'community', label: '全社区' },
]
// Where the general next step does not fit a proposal.
const NEXT = {
  address_not_confirmed: '议事以户为单位：请先在“我的”里填写住址并选择门牌号，等楼长或网格员确认后再来。',
  rate_limited: '您填写的内容还在，请过一会儿再提交。',
}

// The API's times are ISO 8601 already in +08:00: cut, never convert.
function minute(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : ''
}

// A proposal (summary or detail) with what the pages show of it.
function view(p) {
  const tag = TAGS[p.state] || { text: p.state_label, theme: 'default' }
  const needed = Math.max(1, p.support_needed)
  return {
    ...p,
    tag: tag.text,
    tagTheme: tag.theme,
    isOpen: OPEN.includes(p.state),
    percent: Math.min(100, Math.round((p.supporters * 100) / needed)),
    supportText: p.state === 'open' ? `${p.supporters}/${p.support_needed}户附议`
      : `${p.supporters}户附议（${p.support_needed}户即上议事会）`,
    date: (p.created_at || '').slice(0, 10),
  }
}

// A failure as the pages say it: a title and what to do next, never a raw code.
function explain(e) {
  const error = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
  return { title: error.title, next: NEXT[error.kind] || error.next, kind: error.kind }
}

// Refusals that only a filled-in, confirmed address with a room cures: the page offers 填写住址.
function needsAddress(kind) {
  return kind === 'address_not_confirmed' || kind === 'no_household'
}

module.exports = { TAGS, SCOPES, view, explain, needsAddress, minute }
