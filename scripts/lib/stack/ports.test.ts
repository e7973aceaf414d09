import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKEND_PORTS, LOCAL_PORTS } from '@mesh-stack/stack';
import { FREE_PORT_RANGE, freePort, isPortFree } from './port-check.ts';
import { portMapping, stackPorts, TEST_PORT_OFFSETS } from './ports.ts';

const allPorts = (offset: number): number[] => {
  const ports = stackPorts(offset);
  return [
    ...Object.values(ports.services).flatMap((p) => [p.publicPort, p.adminPort]),
    ...Object.values(ports.backends),
  ];
};

describe('stack ports', () => {
  it('uses the stack map unchanged without an offset', () => {
    const ports = stackPorts();
    assert.deepEqual(ports.backends, BACKEND_PORTS);
    assert.deepEqual(ports.services, LOCAL_PORTS);
  });

  it('gives every component of one stack its own port', () => {
    const ports = allPorts(0);
    assert.equal(new Set(ports).size, ports.length);
  });

  it('keeps the reserved test stacks apart from each other, from the defaults and from PostgreSQL', () => {
    const taken = new Set([...allPorts(0), 5432]);
    for (const [name, offset] of Object.entries(TEST_PORT_OFFSETS)) {
      for (const port of allPorts(offset)) {
        assert.ok(!taken.has(port), `${name} (offset ${offset}) reuses port ${port}`);
        assert.ok(port < 32_768, `${name} port ${port} is in the ephemeral range`);
        taken.add(port);
      }
    }
  });

  it('refuses an offset that would leave the safe range', () => {
    assert.throws(() => stackPorts(20_000), /outside/);
    assert.throws(() => stackPorts(-4000), /outside/);
  });

  it('maps every default port to its offset port', () => {
    const mapping = portMapping(stackPorts(TEST_PORT_OFFSETS.spare));
    assert.equal(mapping.get(BACKEND_PORTS.prometheus), BACKEND_PORTS.prometheus + TEST_PORT_OFFSETS.spare);
    assert.equal(
      mapping.get(LOCAL_PORTS['order-service'].adminPort),
      LOCAL_PORTS['order-service'].adminPort + TEST_PORT_OFFSETS.spare,
    );
  });

  it('hands out ports above every stack port and below the ephemeral range', () => {
    const stackPortsInUse = [...allPorts(0), ...Object.values(TEST_PORT_OFFSETS).flatMap(allPorts), 5432];
    assert.ok(Math.max(...stackPortsInUse) < FREE_PORT_RANGE.lowest);
    assert.ok(FREE_PORT_RANGE.highest < 32_768);
  });

  it('gives each caller its own port, free and in range, even when asked at once', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length);
    for (const port of ports) {
      assert.ok(port >= FREE_PORT_RANGE.lowest && port <= FREE_PORT_RANGE.highest, `${port} out of range`);
      assert.ok(await isPortFree(port), `${port} is not free`);
    }
  });
});
