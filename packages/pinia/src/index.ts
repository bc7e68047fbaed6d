export {
  type ApplyMode,
  createPiniaApplier,
  type PiniaApplier,
  type PiniaApplierOptions,
  type StateOf,
} from './applier';
export { type PiniaSync, type SyncPiniaOptions, syncPiniaStore } from './sync';
