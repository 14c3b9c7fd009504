// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'apply',
  summary: '',
  help: 'flowops apply: not built yet',
  async run() {
    throw new Error('flowops apply is not built yet');
  },
};
