/**
 * The `scimbridge` command. Each subcommand is a few lines that read the config, call the
 * code that does the work, and say what happened. Errors a user can fix are printed as one
 * clear line and exit 1; nothing else is printed of them.
 */
import { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { StoreOpenError } from '../storage/open-failure.ts';
import { registerBackupCommands } from './commands/backup.ts';
import { registerFirewallCommands } from './commands/firewall.ts';
import { registerGoogleCommands } from './commands/google.ts';
import { registerGroupCommands } from './commands/groups.ts';
import { registerMailCommands } from './commands/mail.ts';
import { registerMemberCommands } from './commands/member.ts';
import { registerMonitoringCommands } from './commands/monitoring.ts';
import { registerOwnerCommands } from './commands/owner.ts';
import { registerPeopleCommands } from './commands/people.ts';
import { registerProvisioningCommands } from './commands/provisioning.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerVaultCommands } from './commands/vaults.ts';
import { endQuietlyOnClosedOutput } from './output.ts';
import { StartupError } from './startup-failure.ts';

endQuietlyOnClosedOutput();

const program = new Command()
  .name('scimbridge')
  .description('SCIM 2.0 provisioning bridge and team account server')
  .showHelpAfterError();

registerStartCommand(program);
registerProvisioningCommands(program);
registerMonitoringCommands(program);
registerServeCommands(program);
registerFirewallCommands(program);
registerMailCommands(program);
registerMemberCommands(program);
registerOwnerCommands(program);
registerPeopleCommands(program);
registerGroupCommands(program);
registerGoogleCommands(program);
// After the member commands: `member vaults` joins their `member` command.
registerVaultCommands(program);
registerBackupCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof StoreOpenError || error instanceof StartupError) {
    process.stderr.write(`scimbridge: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
