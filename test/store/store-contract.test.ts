import { openRepo } from '../../src/adapters/git/repo.ts';
import { GitCheckpointStore } from '../../src/adapters/store/git-store.ts';
import { MemoryCheckpointStore } from '../../src/adapters/store/memory-store.ts';
import { gitRepo } from '../support/repo.ts';
import { describeStoreContract } from '../support/store-contract.ts';

describeStoreContract('memory', () => Promise.resolve(new MemoryCheckpointStore()));
describeStoreContract('git', async () => new GitCheckpointStore(await openRepo(gitRepo()), () => new Date()));
describeStoreContract('git, repository with no commits', async () => new GitCheckpointStore(await openRepo(gitRepo({})), () => new Date()));
