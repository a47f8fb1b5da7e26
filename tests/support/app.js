// A stand-in for the service of Dockerfile.example. It listens the way a Node app does by
// default — on `::`, dual-stack — on $PORT. APP_MODE: ok, notready (readiness 503), hang
// (accepts, never answers).
const http = require('http');
const mode = process.env.APP_MODE || 'ok';
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
http
  .createServer((req, res) => {
    if (mode === 'hang') return;
    if (req.url === '/health') return json(res, 200, { status: 'ok' });
    if (req.url === '/health/ready') {
      const ready = mode !== 'notready';
      return json(res, ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable', checks: { db: ready } });
    }
    json(res, 404, { error: 'not found' });
  })
  .listen(Number(process.env.PORT || 3000), () => console.log('listening'));
