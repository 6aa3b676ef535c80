// The staff session lives in lib/ since leader/ uses it too (a subpackage cannot require
// another's files); work/'s pages keep requiring it from here.
module.exports = require('../lib/staff_session')
