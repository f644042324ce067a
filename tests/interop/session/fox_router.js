// Starts a fox-wamp router on 127.0.0.1 (ephemeral port) and prints the port on stdout.
// Usage: node fox_router.js <node_modules dir>
const path = require('path')
const http = require('http')
const FoxRouter = require(path.join(process.argv[2], 'fox-wamp'))
const server = http.createServer()
const router = new FoxRouter()
router.listenWAMP({ server: server, path: '/ws' })
server.listen(0, '127.0.0.1', () => {
  console.log(server.address().port)
})
