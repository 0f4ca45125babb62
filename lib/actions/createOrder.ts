import { defineStep } from '../step';
import { createOrderOnce, CreateOrderInput } from '../tgate';
import inSchema from '../schemas/createOrder.in.json';

/** Create Order, exactly once per app_order_uuid: emits `{order, outcome: 'created' | 'found'}`. */
export const process = defineStep<Record<string, never>, CreateOrderInput>({
  body: inSchema,
  async run(step) {
    await step.emitData(await createOrderOnce(step.tgate, step.body));
  },
});
