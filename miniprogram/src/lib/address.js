// How an address's state reads to a resident.
const STATES = {
  none: { text: '未填写', theme: 'default', hint: '填写住址后，报事会直接派给您楼栋的网格员，也能领取社区红卡。' },
  pending: { text: '待确认', theme: 'warning', hint: '住址已提交，请等待下列人员之一确认：' },
  confirmed: { text: '已确认', theme: 'success', hint: '' },
  rejected: { text: '未通过', theme: 'danger', hint: '住址未通过确认，请核对后重新填写，或联系：' },
}

function describe(address) {
  const a = address || { state: 'none', confirmers: [] }
  const state = STATES[a.state] || STATES.none
  return {
    label: a.label || '',
    stateText: state.text,
    stateTheme: state.theme,
    hint: state.hint,
    confirmers: a.state === 'confirmed' ? [] : (a.confirmers || []).map(c => (c.name ? `${c.name}（${c.role}）` : c.role)),
  }
}

module.exports = { describe, STATES }
