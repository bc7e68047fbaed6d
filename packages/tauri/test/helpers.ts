export { type Deferred, deferred, settle } from '../../../test-utils/async.ts';
