import { expect } from 'chai';
import {
  checkWebhookSecret,
  deliveryWithoutSecret,
  parseWebhookDelivery,
  TGATE_WEBHOOK_EVENTS,
  WebhookDeliveryError,
  WebhookSecretError,
} from '../../../lib/tgate/webhooks';
import { InvalidInputError } from '../../../lib/errors';

describe('lib/tgate webhooks: reading deliveries', () => {
  it('knows the nine documented events', () => {
    expect(TGATE_WEBHOOK_EVENTS).to.deep.equal([
      'item.create',
      'item.update',
      'item.destroy',
      'section.create',
      'section.update',
      'section.destroy',
      'menu.update',
      'branch.update',
      'order.update',
    ]);
  });

  it('reads both shapes, any case, singular or plural resource types, and numeric string ids as numbers', () => {
    const expected = { event: 'branch.update', resourceType: 'branches', action: 'update', id: 203 };
    expect(parseWebhookDelivery({ id: 203, resource_type: 'branch', action: 'update' })).to.deep.equal(expected);
    expect(parseWebhookDelivery({ id: '203', resource_type: 'Branches', action: 'UPDATE' })).to.deep.equal(expected);
    expect(parseWebhookDelivery({ id: 203, event_type: 'branch.update' })).to.deep.equal(expected);
    expect(parseWebhookDelivery({ id: 'a1-b2', event_type: 'item.destroy' })).to.deep.include({
      id: 'a1-b2',
      resourceType: 'items',
      action: 'destroy',
    });
  });

  it('refuses what is not a delivery with WebhookDeliveryError, an InvalidInputError naming the field', () => {
    const cases: Array<[unknown, string]> = [
      ['text', 'body'],
      [null, 'body'],
      [{ id: 1, event_type: 'menu.create' }, 'event_type'],
      [{ id: '../x', event_type: 'menu.update' }, 'id'],
      [{ id: -1, event_type: 'menu.update' }, 'id'],
      [{ id: 1, resource_type: 'brand', action: 'update' }, 'resource_type'],
      [{ id: 1, event_type: 'item.update.x' }, 'event_type'],
    ];
    for (const [body, field] of cases) {
      let caught: unknown;
      try {
        parseWebhookDelivery(body);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(body)).to.be.instanceOf(WebhookDeliveryError).and.instanceOf(InvalidInputError);
      expect((caught as WebhookDeliveryError).field, JSON.stringify(body)).to.equal(field);
    }
  });

  it('checks meta_data.secret (an object or a JSON text of one), refusing without saying what was sent', () => {
    expect(() => checkWebhookSecret({ meta_data: { secret: 'right' } }, 'right')).to.not.throw();
    expect(() => checkWebhookSecret({ meta_data: JSON.stringify({ secret: 'right' }) }, 'right')).to.not.throw();
    expect(() => checkWebhookSecret({ meta_data: { secret: 1234 } }, '1234')).to.not.throw();
    for (const body of [
      { meta_data: { secret: 'righ' } },
      { meta_data: { secret: 'right ' } },
      { meta_data: 'not json right' },
      {},
      'right',
      { meta_data: { secret: '' } },
    ]) {
      let caught: unknown;
      try {
        checkWebhookSecret(body, 'right');
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(body)).to.be.instanceOf(WebhookSecretError);
      expect((caught as Error).message).to.not.match(/righ/);
    }
  });

  it('passes the delivery on without meta_data.secret, and without Meta Data it cannot read', () => {
    const body = { id: 1, event_type: 'menu.update', meta_data: { secret: 's', store: 7 } };
    expect(deliveryWithoutSecret(body)).to.deep.equal({ id: 1, event_type: 'menu.update', meta_data: { store: 7 } });
    expect(body.meta_data.secret, 'the input is not changed').to.equal('s');
    expect(deliveryWithoutSecret({ id: 1, meta_data: '{"secret":"s","a":1}' })).to.deep.equal({
      id: 1,
      meta_data: { a: 1 },
    });
    expect(deliveryWithoutSecret({ id: 1, meta_data: 'secret=s' })).to.deep.equal({ id: 1 });
    expect(deliveryWithoutSecret([1])).to.deep.equal({});
  });

  /** The error parseWebhookDelivery ends with, or undefined. */
  const refusal = (body: unknown): WebhookDeliveryError | undefined => {
    try {
      parseWebhookDelivery(body);
    } catch (err) {
      return err as WebhookDeliveryError;
    }
    return undefined;
  };

  it('reads ids at their bounds: 0, safe integers, numeric text up to 15 digits, plain text up to 64 characters', () => {
    const id = (value: unknown): unknown => parseWebhookDelivery({ id: value, event_type: 'item.update' }).id;
    expect(id(0)).to.equal(0);
    expect(id('0')).to.equal(0);
    expect(id(Number.MAX_SAFE_INTEGER)).to.equal(Number.MAX_SAFE_INTEGER);
    expect(id('123456789012345')).to.equal(123456789012345);
    expect(id('1234567890123456')).to.equal('1234567890123456');
    expect(id('x'.repeat(64))).to.equal('x'.repeat(64));
    for (const bad of [1.5, 2 ** 53, -1, '', 'x'.repeat(65), 'a b', 'a/b', '-1.5', true, null]) {
      expect(refusal({ id: bad, event_type: 'item.update' }), JSON.stringify(bad))
        .to.be.instanceOf(WebhookDeliveryError)
        .with.property('field', 'id');
    }
    expect(refusal({ event_type: 'item.update' })?.message).to.contain('it has no id');
  });

  it('reads resource types and actions with spaces or in capitals, in both shapes', () => {
    expect(parseWebhookDelivery({ id: 1, resource_type: ' Items ', action: ' Create ' }).event).to.equal('item.create');
    expect(parseWebhookDelivery({ id: 1, event_type: 'SECTIONS.destroy' }).event).to.equal('section.destroy');
    expect(parseWebhookDelivery({ id: 1, event_type: 'order.update', meta_data: {} }).resourceType).to.equal('orders');
  });

  it('takes both shapes when they agree and refuses them when they contradict or are half there', () => {
    expect(
      parseWebhookDelivery({ id: 1, resource_type: 'menu', action: 'update', event_type: 'menu.update' }).event,
    ).to.equal('menu.update');
    const cases: Array<[unknown, string]> = [
      [{ id: 1, resource_type: 'item', action: 'update', event_type: 'item.create' }, 'event_type'],
      [{ id: 1, action: 'update' }, 'resource_type'],
      [{ id: 1, resource_type: 'item' }, 'resource_type'],
      [{ id: 1, resource_type: 'item', action: 7 }, 'resource_type'],
      [{ id: 1, event_type: 42 }, 'event_type'],
      [{ id: 1, event_type: 'item' }, 'event_type'],
      [{ id: 1 }, 'event_type'],
      [{}, 'event_type'],
      [[{ id: 1, event_type: 'item.update' }], 'body'],
      [undefined, 'body'],
    ];
    for (const [body, field] of cases) {
      expect(refusal(body), JSON.stringify(body)).to.be.instanceOf(WebhookDeliveryError).with.property('field', field);
    }
  });

  it('says what the body was and which fields it has, cutting what it shows to 60 characters', () => {
    expect(refusal([1])?.message).to.contain('its body is a list, not a JSON object');
    expect(refusal(null)?.message).to.contain('its body is empty, not a JSON object');
    expect(refusal(undefined)?.message).to.contain('its body is empty, not a JSON object');
    expect(refusal([1])?.message).to.contain('its body is a list, not a JSON object. T-Gate sends {"id", ');
    expect(refusal('x')?.message).to.contain('its body is a string, not a JSON object');
    expect(refusal({ id: 1 })?.message).to.contain('(the body has the fields id)');
    expect(refusal({})?.message).to.contain('(the body has no fields)');
    const many = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`f${i}`, i]));
    expect(refusal(many)?.message).to.contain('the fields f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11)');
    const long = refusal({ id: `${'x'.repeat(100)}/`, event_type: 'item.update' })?.message ?? '';
    expect(long).to.contain(`its id "${'x'.repeat(56)}... is not a record id`);
  });

  it('refuses a secret that is missing, null, empty, or inside Meta Data that is not an object', () => {
    const refusedWith = (body: unknown): string => {
      try {
        checkWebhookSecret(body, 'right');
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(refusedWith({})).to.match(
      /^Webhook delivery refused: it carries no meta_data\.secret, .+ Set the same value as the "secret" of the webhook's Meta Data/,
    );
    expect(refusedWith({ meta_data: { secret: 'wrong' } })).to.match(
      /^Webhook delivery refused: its meta_data\.secret does not match .+ Set the same value/,
    );
    expect(refusal({ id: 1, resource_type: 'brand', action: 'update' })?.message).to.contain(
      'T-Gate sends no webhook for resource_type "brand" with action "update"; the events are item.create,',
    );
    expect(refusal({ id: 1, event_type: 'brand.update' })?.message).to.contain(
      'T-Gate sends no webhook with event_type "brand.update"; the events are item.create,',
    );
    expect(refusal({ id: 1, action: 'update' })?.message).to.contain('resource_type nothing with action "update"');
    expect(refusal({ id: 1, resource_type: 'item', action: 'update', event_type: 'item.create' })?.message).to.contain(
      'its event_type item.create contradicts its resource_type and action (item.update)',
    );
    expect(refusal({ id: 1 })?.message).to.contain(
      'it names no event (neither event_type nor resource_type and action)',
    );
    for (const body of [
      { meta_data: { secret: null } },
      { meta_data: '["right"]' },
      { meta_data: '"right"' },
      { meta_data: ['right'] },
      { meta_data: { Secret: 'right' } },
    ]) {
      let caught: unknown;
      try {
        checkWebhookSecret(body, 'right');
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(body))
        .to.be.instanceOf(WebhookSecretError)
        .with.property('field', 'meta_data.secret');
    }
  });

  it('names meta_data.secret when a secret does not match', () => {
    let caught: unknown;
    try {
      checkWebhookSecret({ id: 1, meta_data: { secret: 'sent' } }, 'expected');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(WebhookSecretError).with.property('field', 'meta_data.secret');
  });
});
