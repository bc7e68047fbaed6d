export {
  type ApplyMode,
  createZustandApplier,
  type ZustandApplier,
  type ZustandApplierOptions,
  type ZustandStore,
} from './applier';
export {
  type SyncStatusState,
  type SyncZustandOptions,
  syncZustandStore,
  type ZustandSync,
} from './sync';
