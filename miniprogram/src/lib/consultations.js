// How a 征询/表决 reads to residents, on the list (consultations/list) and on its own page
// (consultations/detail): open or closed, my household's voice and who cast it, the result by
// households (and by floor area where the rule counts area), and refusals with a next step.
const errors = require('./errors')

const OUTCOMES = {
  passed: { text: '已通过', theme: 'success' },
  failed: { text: '未通过', theme: 'danger' },
  undecidable: { text: '无法判定', theme: 'warning' },
}
// The rules that count exclusive floor area (民法典 Art. 278): their results show m² too.
const AREA_RULES = ['owners_art278_ordinary', 'owners_art278_major']
// What each check of a result tested, in a resident's words (decisions/rules.py).
const CHECKS = {
  quorum_households: '参与表态的住户',
  participation_owners: '参与表决的业主（人数）',
  participation_area: '参与表决的业主（专有面积）',
  consent_households: '同意的住户',
  consent_owners: '同意的业主（人数）',
  consent_area: '同意的业主（专有面积）',
}
const AREA_TESTS = ['participation_area', 'consent_area']
// Where the general next step does not fit a consultation.
const NEXT = {
  address_not_confirmed: '征询以户为单位：请先在“我的”里填写住址并选择门牌号，等楼长或网格员确认后再来。',
  outside_scope: '这次征询只请所在单元、楼栋或小区的住户表态，您家不在其中。',
  not_found: '它可能不面向您家所在的楼栋或小区，请回到列表看看。',
  conflict: '请下拉刷新后再看。',
}

// The API's times are ISO 8601 already in +08:00: cut, never convert.
function minute(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : ''
}

function area(dm2) {
  return dm2 === null || dm2 === undefined ? '面积不详' : `${(dm2 / 100).toFixed(2)}㎡`
}

function share(needed) {
  return needed.replace('>=', '至少').replace('>', '超过')
}

// Who cast the household's voice, as a member reads it.
function castBy(voice) {
  if (!voice) return ''
  if (voice.at_door) return `由${voice.recorded_by || '社区工作人员'}入户代录`
  if (voice.mine) return '由您投出'
  // residents signed in from the mini-program have no nickname: the backend says 家庭成员 then
  return voice.by && voice.by !== '家庭成员' ? `已由家人 ${voice.by} 投出` : '已由家人投出'
}

// A consultation (summary or detail) with what the pages show of it.
function view(c) {
  const outcome = OUTCOMES[c.outcome] || null
  const closed = c.state !== 'open'
  return {
    ...c,
    closed,
    stateText: closed ? '已结束' : c.taking ? '进行中' : '未在表态时间',
    stateTheme: closed ? 'default' : c.taking ? 'primary' : 'warning',
    outcomeText: outcome ? outcome.text : '',
    outcomeTheme: outcome ? outcome.theme : 'default',
    closesText: minute(c.closes_at),
    // staff may close before the set time: a closed one says when it really ended
    endText: closed ? `${minute(c.closed_at || c.closes_at)} 结束` : `${minute(c.closes_at)} 截止`,
    answered: !!c.voice,
    voiceText: c.voice ? `您家已表态：${c.voice.option}` : '您家还未表态',
    castBy: castBy(c.voice),
    // a household may say it again only to change it, where the consultation allows that, or
    // to take the place of a voice a leader recorded at the door (the household's own prevails)
    canCast: c.taking && !c.voice,
    canChange: c.taking && !!c.voice && (c.allow_change || c.voice.at_door),
    atDoor: !!c.voice && c.voice.at_door,
  }
}

// The result at the close: per option by households (and area), participation, each check.
function result(c) {
  const r = c.result
  if (!r) return null
  const byArea = AREA_RULES.includes(r.rule)
  return {
    byArea,
    participation: `${r.answered_households}/${r.counted_households}户参与表态`,
    options: r.by_option.map((o, index) => ({
      index, option: o.option, households: `${o.households}户`, area: byArea ? area(o.area_dm2) : '',
    })),
    checks: r.checks.map(k => {
      const isArea = AREA_TESTS.includes(k.test)
      const part = v => (v === null ? '不详' : isArea ? area(v) : `${v}户`)
      return {
        test: k.test,
        label: CHECKS[k.test] || k.test,
        text: `${part(k.got)} / ${part(k.of)}，需${share(k.needed)}`,
        met: k.met === true ? '达到' : k.met === false ? '未达到' : '无法判定',
        metTheme: k.met === true ? 'success' : k.met === false ? 'danger' : 'warning',
      }
    }),
  }
}

// A failure as the pages say it: a title and what to do next, never a raw code.
function explain(e) {
  const error = e instanceof errors.ApiError ? e : new errors.ApiError({ kind: 'unknown' })
  return { title: error.title, next: NEXT[error.kind] || error.next, kind: error.kind }
}

// Refusals that only a filled-in, confirmed address with a room cures.
function needsAddress(kind) {
  return kind === 'address_not_confirmed' || kind === 'no_household'
}

// A page that could not load: what to say, and whether 填写住址 is the way on.
function failure(e) {
  const error = explain(e)
  return { ...error, address: needsAddress(error.kind) }
}

// Failures where the vote may have reached the server: the same voice is sent again, which the
// backend answers with the stored one (the same member, the same choice), never a second vote.
function retryable(kind) {
  return ['offline', 'timeout', 'server_down', 'server_error'].includes(kind)
}

module.exports = { OUTCOMES, view, result, explain, failure, needsAddress, retryable, minute, castBy }
