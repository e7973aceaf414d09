import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_VALUE } from './contract.ts';
import { contractPath } from './http-server.ts';

describe('contractPath (url.path on server spans)', () => {
  const id = '0190A6F2-7C1E-7000-8000-000000000042';

  it('answers the template itself for a route without parameters', () => {
    assert.equal(contractPath('/orders', '/orders'), '/orders');
    assert.equal(contractPath('/health/ready', '/health/ready'), '/health/ready');
  });

  it('keeps a UUID parameter, lower-cased, and replaces any other value by the parameter name', () => {
    assert.equal(contractPath(`/users/${id}`, '/users/:id'), `/users/${id.toLowerCase()}`);
    assert.equal(contractPath('/users/ada@example.org', '/users/:id'), '/users/{id}');
    assert.equal(contractPath('/users/', '/users/:id'), '/users/{id}');
    assert.equal(
      contractPath(`/orders/${id}/items/3`, '/orders/:orderId/items/:itemId'),
      `/orders/${id.toLowerCase()}/items/{itemId}`,
    );
  });

  it('answers the template when the path and template do not line up, or the route has a wildcard', () => {
    assert.equal(contractPath('/users/1/extra', '/users/:id'), '/users/:id');
    assert.equal(contractPath('/static/a/b/c', '/static/*'), '/static/*');
  });

  it('gives an unmatched request no path at all', () => {
    assert.equal(contractPath('/anything/a-client/typed', LABEL_VALUE.unmatchedRoute), undefined);
  });

  it('answers the same twice for a route it has already split', () => {
    assert.equal(contractPath(`/users/${id}`, '/users/:id'), `/users/${id.toLowerCase()}`);
    assert.equal(contractPath('/users/42', '/users/:id'), '/users/{id}');
  });
});
