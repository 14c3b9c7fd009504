// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'plan',
  summary: '',
  help: 'flowops plan: not built yet',
  async run() {
    throw new Error('flowops plan is not built yet');
  },
};
