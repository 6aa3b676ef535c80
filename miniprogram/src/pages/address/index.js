// Choose an address: community → estate → building → unit → room, from the community's public
// structure; or, opened from a building's QR code (scene "b=<id>"), start at that building. The
// room is tapped in a grid of the unit's rooms, floor by floor (large targets: many residents
// are elderly); it is typed only where the unit has no rooms listed, or behind 找不到我家.
const api = require('../../lib/api')
const care = require('../../lib/care')
const errors = require('../../lib/errors')
const session = require('../../lib/session')
const { describe } = require('../../lib/address')

const PROMPTS = { community: '请选择社区', estate: '请选择小区', building: '请选择楼栋', unit: '请选择单元' }
const TITLES = { community: '社区', estate: '小区', building: '楼栋', unit: '单元' }

// The building a scanned code names: WeChat passes the code's scene URL-encoded.
function buildingFromScene(scene) {
  const match = /^b=(\d+)$/.exec(decodeURIComponent(scene || ''))
  return match ? Number(match[1]) : null
}

// Rooms by floor, the top floor first as the building stands: "502" is on floor 5 (all but the
// last two digits). Rooms not numbered that way sit in a row of their own at the end.
function byFloor(rooms) {
  const floors = []
  const rowOf = {}
  rooms.forEach((room, index) => {
    const match = /^(\d+)\d\d$/.exec(room.room)
    const floor = match ? String(Number(match[1])) : ''
    if (!rowOf[floor]) {
      rowOf[floor] = { floor, title: floor ? `${floor}层` : '其他', rooms: [] }
      floors.push(rowOf[floor])
    }
    rowOf[floor].rooms.push({ ...room, index })
  })
  const numbered = floors.filter(f => f.floor).sort((a, b) => Number(b.floor) - Number(a.floor))
  return numbered.concat(floors.filter(f => !f.floor))
}

Component({
  behaviors: [care.behavior],
  data: {
    step: 'loading', prompt: '', options: [], chosen: [], room: '', saving: false,
    floors: [], picked: null, listed: false,
    error: null, scanned: '', scanProblem: '', current: describe(null),
  },
  methods: {
    onLoad(query = {}) {
      this.picks = {}           // step → the chosen node (with its children)
      this.buildingId = buildingFromScene(query.scene)
      this.start()
    },

    async start() {
      this.setData({ step: 'loading', error: null })
      try {
        const me = session.resident()
        if (me) this.setData({ current: describe(me.address) })
        if (this.buildingId) {
          try {
            return await this.startAtBuilding(this.buildingId)
          } catch (e) {
            if (e.kind !== 'not_found') throw e
            // a code from a building since merged or taken out of use: the list still works
            this.buildingId = null
            this.setData({ scanProblem: '这个二维码对应的楼栋已不在使用，请从下面的列表中选择您的住址。' })
          }
        }
        const communities = await api.get('/communities', undefined, { auth: false })
        if (communities.length === 1) return await this.chooseCommunity(communities[0])
        this.offer('community', communities.map(c => ({ ...c, id: c.code })))
      } catch (e) {
        this.fail(e)
      }
    },

    async startAtBuilding(id) {
      const place = await api.get(`/buildings/${id}`, undefined, { auth: false })
      this.picks = {
        community: { name: place.community.name, code: place.community.code },
        building: { id: place.id, name: place.label, units: place.units },
      }
      this.setData({ scanned: place.label })
      this.showChosen()
      this.offerUnits(place.units)
    },

    async chooseCommunity(community) {
      this.picks.community = community
      const structure = await api.get(`/communities/${community.code}/structure`, undefined, { auth: false })
      this.showChosen()
      const estates = structure.estates.filter(e => e.buildings.length)
      if (estates.length === 1) return this.chooseEstate(estates[0])
      this.offer('estate', estates)
    },

    chooseEstate(estate) {
      this.picks.estate = estate
      this.showChosen()
      this.offer('building', estate.buildings)
    },

    offerUnits(units) {
      if (!units.length) return this.askRoom()
      this.offer('unit', units)
    },

    offer(step, options) {
      this.setData({ step, prompt: PROMPTS[step], options: options.map(o => ({ ...o, name: o.name })) })
    },

    // The unit's rooms to tap; none listed (households not loaded there): the room is typed.
    async offerRooms(unit) {
      this.rooms = []
      this.setData({ step: 'loading', options: [], picked: null, floors: [], listed: false })
      const answer = await api.get(`/units/${unit.id}/rooms`, undefined, { auth: false })
      this.rooms = answer.rooms
      if (!this.rooms.length) return this.askRoom()
      this.setData({ step: 'rooms', floors: byFloor(this.rooms), listed: true })
    },

    pickRoom(e) {
      this.setData({ picked: this.rooms[e.currentTarget.dataset.index] })
    },

    // 找不到我家: the room is not in the list (or not known by that label); type it instead.
    typeInstead() {
      this.setData({ step: 'room', picked: null })
    },

    backToRooms() {
      this.setData({ step: 'rooms', room: '' })
    },

    askRoom() {
      this.setData({ step: 'room', options: [], picked: null })
    },

    showChosen() {
      const chosen = ['community', 'estate', 'building', 'unit']
        .filter(s => this.picks[s])
        .map(s => ({ step: s, title: TITLES[s], name: this.picks[s].name }))
      this.setData({ chosen })
    },

    async pick(e) {
      const option = this.data.options[e.currentTarget.dataset.index]
      const step = this.data.step
      try {
        if (step === 'community') return await this.chooseCommunity(option)
        if (step === 'estate') return this.chooseEstate(option)
        if (step === 'building') {
          this.picks.building = option
          delete this.picks.unit
          this.showChosen()
          return this.offerUnits(option.units || [])
        }
        if (step === 'unit') {
          this.picks.unit = option
          this.showChosen()
          return await this.offerRooms(option)
        }
      } catch (err) {
        this.fail(err)
      }
    },

    // Tap a chosen level to choose it again (and everything under it).
    back(e) {
      const step = e.currentTarget.dataset.step
      const order = ['community', 'estate', 'building', 'unit']
      order.slice(order.indexOf(step)).forEach(s => { delete this.picks[s] })
      this.buildingId = null
      this.setData({ scanned: '', picked: null })      // a chosen room is the unit's own
      if (step === 'community') return this.start()
      this.showChosen()
      if (step === 'estate') return this.chooseCommunity(this.picks.community).catch(err => this.fail(err))
      const parent = this.picks.estate
      if (step === 'building') return parent ? this.offer('building', parent.buildings) : this.start()
      return this.offerUnits(this.picks.building.units || [])
    },

    typeRoom(e) { this.setData({ room: e.detail.value }) },

    async submit() {
      if (this.data.saving) return
      const { building, unit } = this.picks
      const picked = this.data.step === 'rooms' ? this.data.picked : null
      if (this.data.step === 'rooms' && !picked) {
        wx.showToast({ title: '请先点选您家的门牌号', icon: 'none' })
        return
      }
      const where = picked ? { household_id: picked.id } : { room: this.data.room.trim() }
      this.setData({ saving: true, error: null })
      try {
        const me = await api.put('/me/address', {
          building_id: building.id, unit_id: unit ? unit.id : null, ...where,
        })
        session.remember(me)
        this.setData({ step: 'done', current: describe(me.address), saving: false })
      } catch (e) {
        this.setData({ saving: false })
        errors.show(e)
      }
    },

    finish() { wx.navigateBack({ fail: () => wx.switchTab({ url: '/pages/me/index' }) }) },

    fail(e) { this.setData({ step: 'error', options: [], error: { title: e.title, next: e.next } }) },

    retry() { this.start() },
  },
})
