// Docker HEALTHCHECK: GET /healthz on the loopback health port (SANCTUARY_HEALTH_PORT); exit 0
// when it answers 200. Liveness only: a sealed instance is alive (see the Dockerfile).
const port = Number(process.env.SANCTUARY_HEALTH_PORT);
if (!Number.isInteger(port) || port < 1) {
  process.stderr.write('SANCTUARY_HEALTH_PORT is not set: the health check has nothing to ask\n');
  process.exit(1);
}
require('node:http')
  .get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2500 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  })
  .on('timeout', () => process.exit(1))
  .on('error', () => process.exit(1));
