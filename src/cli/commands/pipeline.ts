// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'pipeline',
  summary: '',
  help: 'flowops pipeline: not built yet',
  async run() {
    throw new Error('flowops pipeline is not built yet');
  },
};
