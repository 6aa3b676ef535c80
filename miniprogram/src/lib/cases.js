// How a case reads to its reporter, on the list (pages/cases) and on its own page (case/detail).
// The words of each state come from the API (state_label); this adds the tag's colour.
const THEMES = {
  submitted: 'warning',       // waiting for someone to take it
  accepted: 'primary',
  in_progress: 'primary',
  reopened: 'warning',
  resolved: 'success',        // done, waiting for the resident's word
  closed: 'default',
  rejected: 'danger',
  duplicate: 'default',
}
// The states in which a deadline still runs (models/cases.py OPEN_STATES): only then is it shown.
const OPEN = ['submitted', 'accepted', 'in_progress', 'reopened']
const EXCERPT = 28              // characters of the description on the list: about two lines

function theme(state) {
  return THEMES[state] || 'default'
}

function isOpen(state) {
  return OPEN.includes(state)
}

// The API's times are ISO 8601 already in +08:00, the residents' own clock: cut, never convert
// (a phone set to another zone would move them).
function day(iso) {
  return iso ? iso.slice(0, 10) : ''
}

function minute(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : ''
}

function excerpt(text) {
  const flat = String(text || '').replace(/\s+/g, ' ').trim()
  if (!flat) return '（仅照片）'
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat
}

function stars(score) {
  return '★★★★★'.slice(0, score) + '☆☆☆☆☆'.slice(0, 5 - score)
}

module.exports = { theme, isOpen, day, minute, excerpt, stars }
