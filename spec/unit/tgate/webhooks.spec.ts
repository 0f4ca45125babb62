import { expect } from 'chai';
import {
  checkWebhookSecret, deliveryWithoutSecret, parseWebhookDelivery, TGATE_WEBHOOK_EVENTS, WebhookDeliveryError, WebhookSecretError,
} from '../../../lib/tgate/webhooks';
import { InvalidInputError } from '../../../lib/errors';

describe('lib/tgate webhooks: reading deliveries', () => {
  it('knows the nine documented events', () => {
    expect(TGATE_WEBHOOK_EVENTS).to.deep.equal([
      'item.create', 'item.update', 'item.destroy', 'section.create', 'section.update', 'section.destroy',
      'menu.update', 'branch.update', 'order.update',
    ]);
  });

  it('reads both shapes, any case, singular or plural resource types, and numeric string ids as numbers', () => {
    const expected = { event: 'branch.update', resourceType: 'branches', action: 'update', id: 203 };
    expect(parseWebhookDelivery({ id: 203, resource_type: 'branch', action: 'update' })).to.deep.equal(expected);
    expect(parseWebhookDelivery({ id: '203', resource_type: 'Branches', action: 'UPDATE' })).to.deep.equal(expected);
    expect(parseWebhookDelivery({ id: 203, event_type: 'branch.update' })).to.deep.equal(expected);
    expect(parseWebhookDelivery({ id: 'a1-b2', event_type: 'item.destroy' })).to.deep.include({ id: 'a1-b2', resourceType: 'items', action: 'destroy' });
  });

  it('refuses what is not a delivery with WebhookDeliveryError, an InvalidInputError naming the field', () => {
    const cases: Array<[unknown, string]> = [
      ['text', 'body'], [null, 'body'], [{ id: 1, event_type: 'menu.create' }, 'event_type'], [{ id: '../x', event_type: 'menu.update' }, 'id'],
      [{ id: -1, event_type: 'menu.update' }, 'id'], [{ id: 1, resource_type: 'brand', action: 'update' }, 'resource_type'],
      [{ id: 1, event_type: 'item.update.x' }, 'event_type'],
    ];
    for (const [body, field] of cases) {
      let caught: unknown;
      try { parseWebhookDelivery(body); } catch (err) { caught = err; }
      expect(caught, JSON.stringify(body)).to.be.instanceOf(WebhookDeliveryError).and.instanceOf(InvalidInputError);
      expect((caught as WebhookDeliveryError).field, JSON.stringify(body)).to.equal(field);
    }
  });

  it('checks meta_data.secret (an object or a JSON text of one), refusing without saying what was sent', () => {
    expect(() => checkWebhookSecret({ meta_data: { secret: 'right' } }, 'right')).to.not.throw();
    expect(() => checkWebhookSecret({ meta_data: JSON.stringify({ secret: 'right' }) }, 'right')).to.not.throw();
    expect(() => checkWebhookSecret({ meta_data: { secret: 1234 } }, '1234')).to.not.throw();
    for (const body of [{ meta_data: { secret: 'righ' } }, { meta_data: { secret: 'right ' } }, { meta_data: 'not json right' }, {}, 'right', { meta_data: { secret: '' } }]) {
      let caught: unknown;
      try { checkWebhookSecret(body, 'right'); } catch (err) { caught = err; }
      expect(caught, JSON.stringify(body)).to.be.instanceOf(WebhookSecretError);
      expect((caught as Error).message).to.not.match(/righ/);
    }
  });

  it('passes the delivery on without meta_data.secret, and without Meta Data it cannot read', () => {
    const body = { id: 1, event_type: 'menu.update', meta_data: { secret: 's', store: 7 } };
    expect(deliveryWithoutSecret(body)).to.deep.equal({ id: 1, event_type: 'menu.update', meta_data: { store: 7 } });
    expect(body.meta_data.secret, 'the input is not changed').to.equal('s');
    expect(deliveryWithoutSecret({ id: 1, meta_data: '{"secret":"s","a":1}' })).to.deep.equal({ id: 1, meta_data: { a: 1 } });
    expect(deliveryWithoutSecret({ id: 1, meta_data: 'secret=s' })).to.deep.equal({ id: 1 });
    expect(deliveryWithoutSecret([1])).to.deep.equal({});
  });
});
