// A gRPC server with the standard health service, on Node's @grpc/grpc-js and
// grpc-health-check (the runtime of the service healthprobe is made for), for
// tests/grpc.rs. The same command line as grpc_server.py:
//   node grpc_server.js --listen 127.0.0.1:PORT|unix:PATH [--status SERVICE=STATUS]...
//                       [--no-health] [--tls CERT KEY [--client-ca CA]]
// Prints `ready` once it listens; each stdin line `SERVICE STATUS` (`-`: empty) sets one.
const fs = require('fs');
const readline = require('readline');
const grpc = require('@grpc/grpc-js');
const { HealthImplementation } = require('grpc-health-check');

const argv = process.argv.slice(2);
let listen;
let tls;
let clientCa;
let noHealth = false;
const statuses = {};
for (let i = 0; i < argv.length; i++) {
  switch (argv[i]) {
    case '--listen': listen = argv[++i]; break;
    case '--status': {
      const [service, status] = argv[++i].split('=');
      statuses[service] = status;
      break;
    }
    case '--no-health': noHealth = true; break;
    case '--tls': tls = [argv[++i], argv[++i]]; break;
    case '--client-ca': clientCa = argv[++i]; break;
    default: throw new Error(`unknown argument ${argv[i]}`);
  }
}

const server = new grpc.Server();
const health = new HealthImplementation(statuses);
if (!noHealth) health.addToServer(server);
const credentials = tls
  ? grpc.ServerCredentials.createSsl(
      clientCa ? fs.readFileSync(clientCa) : null,
      [{ private_key: fs.readFileSync(tls[1]), cert_chain: fs.readFileSync(tls[0]) }],
      Boolean(clientCa))
  : grpc.ServerCredentials.createInsecure();
server.bindAsync(listen, credentials, (error) => {
  if (error) throw error;
  console.log('ready');
});
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [service, status] = line.trim().split(/\s+/);
  health.setStatus(service === '-' ? '' : service, status);
  console.log(`set ${service} ${status}`);
});
