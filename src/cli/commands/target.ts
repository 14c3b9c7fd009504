// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'target',
  summary: '',
  help: 'flowops target: not built yet',
  async run() {
    throw new Error('flowops target is not built yet');
  },
};
