const care = require('../../lib/care')

Component({
  behaviors: [care.behavior],
  methods: { onLoad() {} },
})
