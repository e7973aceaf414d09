import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listeningPorts, serviceSpec } from './service.ts';

const TOKEN = 'a-fault-injection-token';

describe('serviceSpec', () => {
  it('gives order-service its dependencies and the collector, and lets the caller override any variable', () => {
    const spec = serviceSpec({
      name: 'order-service',
      ports: { publicPort: 8082, adminPort: 9082 },
      otlpEndpoint: 'http://127.0.0.1:4318',
      faultInjectionToken: TOKEN,
      dependencies: { userService: 'http://127.0.0.1:8081', paymentService: 'http://127.0.0.1:8083' },
      env: { DATA_DIR: '/tmp/orders', LOG_FORMAT: 'pretty' },
      ready: { url: 'http://127.0.0.1:9082/health/ready' },
    });
    assert.equal(spec.command, process.execPath);
    assert.ok(spec.args.includes('src/main.ts'), spec.args.join(' '));
    assert.match(spec.cwd, /services\/order-service$/);
    assert.equal(spec.env.PORT, '8082');
    assert.equal(spec.env.ADMIN_PORT, '9082');
    assert.equal(spec.env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://127.0.0.1:4318');
    assert.equal(spec.env.OTEL_TRACES_EXPORTER, undefined);
    assert.equal(spec.env.USER_SERVICE_URL, 'http://127.0.0.1:8081');
    assert.equal(spec.env.PAYMENT_SERVICE_URL, 'http://127.0.0.1:8083');
    assert.equal(spec.env.FAULT_INJECTION_TOKEN, process.env.FAULT_INJECTION_TOKEN, 'only payment-service gets it');
    assert.equal(spec.env.DATA_DIR, '/tmp/orders');
    assert.equal(spec.env.LOG_FORMAT, 'pretty');
    // The test runner's marker must not reach a service started from a test.
    assert.equal(spec.env.NODE_TEST_CONTEXT, undefined);
    assert.equal(spec.stopTimeoutMs, 15_000);
  });

  it('exports no traces without an endpoint and waits for the drain the service is given', () => {
    const spec = serviceSpec({
      name: 'payment-service',
      ports: { publicPort: 0, adminPort: 0 },
      faultInjectionToken: TOKEN,
      env: { SHUTDOWN_GRACE_MS: '60000' },
      ready: { line: () => true },
    });
    assert.equal(spec.env.PORT, '0');
    assert.equal(spec.env.OTEL_TRACES_EXPORTER, 'none');
    assert.equal(spec.env.FAULT_INJECTION_TOKEN, TOKEN);
    assert.equal(spec.env.USER_SERVICE_URL, process.env.USER_SERVICE_URL);
    assert.equal(spec.stopTimeoutMs, 65_000);
  });
});

describe('listeningPorts', () => {
  it("reads the ports from a service's listening line and nothing else", () => {
    const line = '{"level":"info","host":"127.0.0.1","port":41234,"adminPort":41235,"msg":"listening"}';
    assert.deepEqual(listeningPorts(line), { publicPort: 41234, adminPort: 41235 });
    assert.equal(listeningPorts('{"msg":"listening","port":0,"adminPort":41235}'), undefined);
    assert.equal(listeningPorts('{"msg":"started","port":41234,"adminPort":41235}'), undefined);
    assert.equal(listeningPorts('listening on 41234'), undefined);
    assert.equal(listeningPorts('null'), undefined);
  });
});
