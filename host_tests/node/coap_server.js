// A node-coap (npm `coap`) server for the client interop cases: node host_tests/node/coap_server.js
// prints "listening PORT" once bound to 127.0.0.1 on a free port, then serves:
//   GET  /hello          2.05 "hello from node"
//   GET  /slow           a separate response ("late") after 500 ms
//   GET  /big            3000 bytes (node-coap sends Block2 itself)
//   PUT  /sink           2.04 with the length of what arrived (sent whole: node-coap 1.5.0
//                        refuses a Block1 upload past its second block, libcoap's client's
//                        as ours, "Byte offset not the next in line")
//   GET  /obs + Observe  the first value, then a notification every 100 ms ("n=1", "n=2", ...)
// Every request is logged as one JSON line on stdout.
const coap = require('coap')

const server = coap.createServer()
server.on('request', (req, res) => {
  const path = req.url.split('?')[0]
  console.log(JSON.stringify({ method: req.method, path, observe: req.headers.Observe }))
  if (path === '/hello') return res.end('hello from node')
  if (path === '/slow') return setTimeout(() => res.end('late'), 500)
  if (path === '/big') {
    let body = ''
    for (let k = 0; body.length < 3000; k += 6) body += String(k).padStart(5, '0') + '|'
    return res.end(body.slice(0, 3000))
  }
  if (path === '/sink' && req.method === 'PUT') {
    res.code = '2.04'
    return res.end(String(req.payload.length))
  }
  if (path === '/obs') {
    if (req.headers.Observe !== 0) return res.end('n=0')
    let n = 0
    res.write('n=0')
    const timer = setInterval(() => res.write('n=' + ++n), 100)
    res.on('finish', () => clearInterval(timer))
    return
  }
  res.code = '4.04'
  res.end()
})
server.listen(0, '127.0.0.1', () => console.log('listening ' + server._sock.address().port))
