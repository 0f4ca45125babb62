import { defineStep } from '../step';
import { OrderChange, updateOrderChecked } from '../tgate';
import inSchema from '../schemas/updateOrder.in.json';

/** Update Order by T-Gate's transitions: emits `{order, outcome: 'updated' | 'unchanged'}`. */
export const process = defineStep<Record<string, never>, OrderChange>({
  body: inSchema,
  async run(step) {
    await step.emitData(await updateOrderChecked(step.tgate, step.body));
  },
});
