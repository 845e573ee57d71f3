import { tempLayout } from '../support/layout-check.js';
import { runTargetContract } from '../support/target-contract.js';

// The Target contract on a LayoutStore in the fast tier; test/integration/layout-store.test.ts runs it
// again with umoci checking the layout after every change.
runTargetContract('LayoutStore', async () => {
  const { store, cleanup } = await tempLayout();
  return Object.assign(store, { cleanup });
});
