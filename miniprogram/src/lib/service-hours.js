// Volunteer activities' times and served hours in words, for the residents' 志愿服务 pages and
// the team leader's (two subpackages, which cannot require each other's files).
// The API's times are ISO 8601 already in +08:00: cut, never convert.
function day(iso) { return iso ? `${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日` : '' }
function clock(iso) { return iso ? iso.slice(11, 16) : '' }
function span(a) {
  const sameDay = a.starts_at.slice(0, 10) === a.ends_at.slice(0, 10)
  return `${day(a.starts_at)} ${clock(a.starts_at)}–${sameDay ? '' : `${day(a.ends_at)} `}${clock(a.ends_at)}`
}

function hours(minutes) {
  if (minutes === null || minutes === undefined) return ''
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return h ? `${h}小时${m ? `${m}分钟` : ''}` : `${m}分钟`
}

module.exports = { day, clock, span, hours }
