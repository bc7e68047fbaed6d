import { runQuickstart } from './quickstart';

const result = await runQuickstart();
const converged = Object.values(result.clients).every(
  (client) => client.revision === result.sourceRevision,
);
console.log(converged ? 'all clients converged on the source.' : 'NOT CONVERGED');
process.exitCode = converged ? 0 : 1;
