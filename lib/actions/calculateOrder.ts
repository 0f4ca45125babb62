import { defineStep } from '../step';
import { calculateOrderTotal, OrderCalculationRequest } from '../tgate';
import inSchema from '../schemas/calculateOrder.in.json';

/** Calculate Order Total: T-Gate's total and per-item breakdown for an order, nothing created. */
export const process = defineStep<Record<string, never>, OrderCalculationRequest>({
  body: inSchema,
  async run(step) {
    await step.emitData(await calculateOrderTotal(step.tgate, step.body));
  },
});
