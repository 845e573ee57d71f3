import { Option, type Command } from 'commander';
import { STORE_KINDS, type StoreKind } from '../credentials/types.js';
import type { LoginOptions } from '../commands/login.js';
import type { LogoutOptions } from '../commands/logout.js';
import type { CommandRunner } from './runner.js';

/** Registers login and logout. */
export function registerAuthCommands(program: Command, run: CommandRunner): void {
  program
    .command('login')
    .argument('[server]', 'registry to log in to', 'docker.io')
    .option('-u, --username <user>', 'user name (asked for on a terminal when missing)')
    .option('-p, --password <password>', 'password (insecure: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .addOption(new Option('--store <store>', 'where to keep the credentials (default: the config, else keychain)').choices(STORE_KINDS))
    .option('--json', 'one JSON document on stdout (registry, username, store; never the secret)')
    .description('check credentials against a registry and store them (OS keychain by default)')
    .addHelpText(
      'after',
      `
Examples:
  regctl login ghcr.io -u me --password-stdin < token.txt
  regctl login localhost:5000                      asks for user and password on a terminal
  regctl login --store docker registry.corp.example   via Docker's credential helper
  regctl login --store file registry.corp.example     0600 file, NOT encrypted (no keychain)

Where no keychain is available (a headless Linux box without a D-Bus session), use --store file,
--store docker with a credential helper such as pass, or REGCTL_USERNAME/REGCTL_PASSWORD with
REGCTL_REGISTRY=HOST in CI.`,
    )
    .action((server: string, opts: { username?: string; password?: string; passwordStdin?: boolean; store?: StoreKind; json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: LoginOptions = {
          server,
          ...(opts.username !== undefined ? { username: opts.username } : {}),
          ...(opts.password !== undefined ? { password: opts.password } : {}),
          passwordStdin: !!opts.passwordStdin,
          ...(opts.store ? { store: opts.store } : {}),
          ...(opts.json ? { json: true } : {}),
        };
        return {
          name: 'login',
          options,
          run: async (session, io, cli) => {
            const { login } = await import('../commands/login.js');
            const { ttyPrompt } = await import('./prompt.js');
            return login(session, options, io, ttyPrompt(cli.stdin, cli.stderr));
          },
        };
      }),
    );

  program
    .command('logout')
    .argument('[server]', 'registry to log out of', 'docker.io')
    .addOption(new Option('--store <store>', "remove only from this store (docker: through Docker's credential helper)").choices(STORE_KINDS))
    .option('--json', 'one JSON document on stdout (registry, where credentials were removed from)')
    .description('remove the credentials regctl stored for a registry')
    .addHelpText('after', '\nExamples:\n  regctl logout localhost:5000\n  regctl logout --store docker registry.corp.example')
    .action((server: string, opts: { store?: StoreKind; json?: boolean }, cmd: Command) =>
      run(cmd, () => {
        const options: LogoutOptions = { server, ...(opts.store ? { store: opts.store } : {}), ...(opts.json ? { json: true } : {}) };
        return {
          name: 'logout',
          options,
          run: async (session, io) => {
            const { logout } = await import('../commands/logout.js');
            return logout(session, options, io);
          },
        };
      }),
    );
}
