// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'run',
  summary: '',
  help: 'flowops run: not built yet',
  async run() {
    throw new Error('flowops run is not built yet');
  },
};
