// The SLA clock of a case, from the API's deadlines: how long is left, or how long it is overdue.
function span(ms) {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60000))
  if (minutes < 60) return `${minutes}分钟`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}小时${minutes % 60 ? `${minutes % 60}分` : ''}`
  return `${Math.floor(hours / 24)}天${hours % 24 ? `${hours % 24}小时` : ''}`
}

// {text, overdue, urgent} for a deadline (ISO 8601); `what`: 办结 or 响应.
function sla(due, what = '办结', now = Date.now()) {
  if (!due) return { text: '无时限', overdue: false, urgent: false }
  const left = new Date(due).getTime() - now
  if (left < 0) return { text: `${what}已超时 ${span(left)}`, overdue: true, urgent: true }
  return { text: `${what}剩余 ${span(left)}`, overdue: false, urgent: left < 2 * 3600 * 1000 }
}

// The clock that matters now: the response deadline until someone responded, then resolution.
function caseClock(c, now = Date.now()) {
  if (['resolved', 'closed', 'rejected', 'duplicate'].includes(c.state)) return { text: c.state_label, overdue: false, urgent: false }
  if (c.response_due_at && !c.responded_at) {
    const respond = sla(c.response_due_at, '响应', now)
    if (respond.overdue || respond.urgent) return respond
  }
  return sla(c.resolve_due_at, '办结', now)
}

module.exports = { sla, caseClock, span }
