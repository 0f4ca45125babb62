import { expect } from 'chai';
import { createWorld, expectInputRefused, leakedSecrets, outcomeTexts, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';

const action = loadFunction('lookupObject');

/** lookupObject through the sailor's TaskExec against the sandbox over HTTP. */
describe('action lookupObject', function () {
  this.timeout(30_000);
  let world: World;
  let savedAttempts: string | undefined;
  before(async () => {
    world = await createWorld();
  });
  after(async () => {
    await world?.close();
  });
  afterEach(() => {
    world.sandbox.clearFaults();
    if (savedAttempts === undefined) delete process.env.TGATE_RETRY_MAX_ATTEMPTS;
    else process.env.TGATE_RETRY_MAX_ATTEMPTS = savedAttempts;
  });

  async function run(fields: Record<string, unknown>, body: Record<string, unknown>): Promise<StepOutcome> {
    const outcome = await runStep(action, { body }, { ...world.cfg, ...fields }, world.platform);
    expect(
      leakedSecrets(world, outcomeTexts([outcome])),
      'secrets in logs, rebounds, errors or messages',
    ).to.deep.equal([]);
    return outcome;
  }
  const notFound = (path: string, what: string): string =>
    `T-Gate GET /partner/v1/${path} answered 404: Not found: ${what}. T-Gate has no such record, or it is outside the integration scopes the company granted`;
  /** An item of a section outside every scope (the staff menu 311, or brand 104's menu 310). */
  const outOfScopeItem = (): number =>
    world.sandbox.store.allIds('items').find((id) => !world.sandbox.store.getVisible('items', id))!;

  it('emits the record of the chosen type with the id in the message (a number or text)', async () => {
    const outcome = await run({ resourceType: 'branches' }, { id: 212 });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data.map((d) => d.body)).to.deep.equal([world.sandbox.getRecord('branches', 212)]);
    const item = await run({ resourceType: 'items' }, { id: '1005' });
    expect(item.data.map((d) => d.body)).to.deep.equal([world.sandbox.getRecord('items', 1005)]);
  });

  it('a missing record is an error naming the call, by default', async () => {
    const outcome = await run({ resourceType: 'items' }, { id: 999999 });
    expect(outcome.data).to.deep.equal([]);
    expect(outcome.rebounds).to.deep.equal([]);
    expect(outcome.errors.map((e) => [e.name, e.message])).to.deep.equal([
      ['TGateRefusedError', notFound('items/999999', 'item 999999')],
    ]);
  });

  it('a missing record is an empty message when the step allows an empty result', async () => {
    const outcome = await run({ resourceType: 'items', allowEmptyResult: true }, { id: 999999 });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data.map((d) => d.body)).to.deep.equal([{}]);
  });

  it('a record outside the integration scopes answers 404 like a missing one, with and without allowEmptyResult', async () => {
    const brand = await run({ resourceType: 'brands' }, { id: 104 });
    expect(brand.errors.map((e) => e.message)).to.deep.equal([notFound('brands/104', 'brand 104')]);
    const id = outOfScopeItem();
    expect(world.sandbox.getRecord('items', id), 'the item exists').not.to.equal(undefined);
    const item = await run({ resourceType: 'items' }, { id });
    expect(item.errors.map((e) => e.message)).to.deep.equal([notFound(`items/${id}`, `item ${id}`)]);
    const allowed = await run({ resourceType: 'items', allowEmptyResult: true }, { id });
    expect(allowed.errors).to.deep.equal([]);
    expect(allowed.data.map((d) => d.body)).to.deep.equal([{}]);
  });

  describe('bad inputs: an error naming the field, and no request to T-Gate', () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string, string]> = [
      ['a missing id', { resourceType: 'items' }, {}, 'id', 'Invalid message body: id is required'],
      ['an empty id', { resourceType: 'items' }, { id: '' }, 'id', 'The item id is missing or empty'],
      [
        'an id that is a step in a path',
        { resourceType: 'items' },
        { id: '..' },
        'id',
        'The item id is "..", which is not an id but a step in a path',
      ],
      [
        'an id with a slash',
        { resourceType: 'menus' },
        { id: 'a/b' },
        'id',
        'The menu id "a/b" is not a plain id: only letters, digits, "_", "-" and "." are allowed (no "/", "\\", "%", "?", "#", spaces or control characters, at most 200 characters)',
      ],
      [
        'an id of the wrong JSON type',
        { resourceType: 'items' },
        { id: { value: 5 } },
        'id',
        'Invalid message body: id must be an integer or string',
      ],
      [
        'an unknown resource type',
        { resourceType: 'recipes' },
        { id: 5 },
        'resourceType',
        'Invalid step configuration: resourceType must be one of "brands", "branches", "menus", "sections", "items", "openingHourGroups", "branchSpecialTimings", "orders"',
      ],
      [
        'integration scopes, which cannot be fetched one by one',
        { resourceType: 'integrationScopes' },
        { id: 5 },
        'resourceType',
        'Invalid step configuration: resourceType must be one of "brands", "branches", "menus", "sections", "items", "openingHourGroups", "branchSpecialTimings", "orders"',
      ],
    ];
    for (const [what, fields, body, field, message] of cases) {
      it(what, () => expectInputRefused(world, () => run(fields, body), field, message));
    }
  });

  it('T-Gate failing beyond the retries: a rebound, so the platform retries the message later', async () => {
    savedAttempts = process.env.TGATE_RETRY_MAX_ATTEMPTS;
    process.env.TGATE_RETRY_MAX_ATTEMPTS = '2';
    world.sandbox.injectFault({
      path: '/partner/v1/items/1005',
      status: 502,
      body: { message: 'bad gateway' },
      times: Infinity,
    });
    const outcome = await run({ resourceType: 'items' }, { id: 1005 });
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.deep.equal([]);
    expect(outcome.rebounds).to.deep.equal([
      'T-Gate GET /partner/v1/items/1005 answered 502: bad gateway after 2 attempts (retry limit reached)',
    ]);
  });
});
