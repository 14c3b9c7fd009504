// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'keygen',
  summary: '',
  help: 'flowops keygen: not built yet',
  async run() {
    throw new Error('flowops keygen is not built yet');
  },
};
