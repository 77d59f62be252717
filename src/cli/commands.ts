/**
 * Every `sanctuary` command: the only place that names them (ADR 0147). An entry carries the
 * command's help (summary, usage, options, sub-commands) and loads its code only when it runs,
 * so `--help` and `--version` start fast and touch nothing. To add a command: write
 * `src/cli/<name>.ts` exporting `run(args, call)` and add an entry here (see docs/cli.md).
 * Keep this file free of imports other than types: the dispatcher loads it on every call.
 */
import type { CliCommand, CliOption, LegacyCommand } from './main.ts';

const witness: CliOption = {
  type: 'string',
  multiple: true,
  arg: 'FILE',
  help: 'a witness copy of the signed checkpoints (JSON Lines)',
};
const shares: Record<string, CliOption> = {
  shares: { type: 'string', arg: 'N', help: 'number of shares, 2 to 20' },
  threshold: { type: 'string', arg: 'K', help: 'shares needed to unseal, 2 to N' },
};

export const COMMANDS: Record<string, CliCommand | LegacyCommand> = {
  serve: {
    summary: 'run the platform (what `npm start` runs)',
    usage: 'serve',
    details:
      'Listens on HOST:PORT (default 127.0.0.1:8080). Creates the data directory on first start;\n' +
      'in development it also creates the development root key there (never in production).',
    dataDir: true,
    load: () => import('./serve.ts'),
  },
  migrate: {
    summary: 'apply database migrations',
    usage: 'migrate',
    details: 'Needs an existing data directory (or DATABASE_URL); the server also migrates when it starts.',
    dataDir: true,
    json: true,
    load: () => import('./migrate.ts'),
  },
  keys: {
    summary: 'create (init) or replace (rotate) the root key, split into Shamir shares',
    usage: ['keys init --shares N --threshold K', 'keys rotate [--shares N --threshold K]'],
    dataDir: true,
    subcommands: {
      init: {
        summary: 'create the root key and print N shares once (creates the data directory if needed)',
        usage: 'keys init --shares N --threshold K',
        options: shares,
      },
      rotate: {
        summary: 'replace the root key in the running server; prints new shares once (default: same N and K)',
        usage: 'keys rotate [--shares N --threshold K] [--request ID]',
        details:
          'With two or more active administrators, needs a request a second administrator approved on\n' +
          '/staff/admin ("Request a root-key rotation"), before its deadline (ADR 0177).',
        options: {
          ...shares,
          request: { type: 'string', arg: 'ID', help: 'the approved request to use (default: the only one)' },
        },
      },
    },
    load: () => import('./keys.ts'),
  },
  unseal: {
    summary: 'give one key share (read from stdin) to the running server',
    json: true,
    usage: ['unseal   (then paste the share; or pipe it in)', 'unseal approve FINGERPRINT'],
    dataDir: true,
    runsBare: true,
    subcommands: {
      approve: {
        summary: 'hand the keyring to a sealed instance of the same deployment (ADR 0116)',
        json: true,
        usage: 'unseal approve FINGERPRINT',
        positionals: [1, 1],
      },
    },
    load: () => import('./unseal.ts'),
  },
  seal: {
    summary: 'seal the running server now (drops the key from memory)',
    json: true,
    usage: 'seal',
    dataDir: true,
    load: () => import('./seal.ts'),
  },
  staff: {
    summary: 'create a staff account and print its one-time enrolment link',
    usage: 'staff create --email E --role R',
    dataDir: true,
    subcommands: {
      create: {
        summary: 'create a staff account and print its one-time enrolment link',
        usage: 'staff create --email E --role R',
        json: true,
        details: 'An unknown role is refused with the list of roles.',
        options: {
          email: { type: 'string', arg: 'E', help: 'the e-mail address' },
          role: { type: 'string', arg: 'R', help: 'the role' },
        },
      },
    },
    load: () => import('./staff.ts'),
  },
  audit: {
    summary: 'verify the audit chain, or sign and export a checkpoint',
    usage: ['audit verify [--witness FILE]...', 'audit checkpoint [--out FILE]', 'audit fingerprint'],
    dataDir: true,
    subcommands: {
      verify: {
        summary: 'exit 0 when the audit chain is intact; 2 naming the first broken entry',
        json: true,
        usage: 'audit verify [--witness FILE]...',
        options: {
          witness,
          checkpoints: { ...witness, help: 'the same as --witness (older name)' },
        },
      },
      checkpoint: {
        summary: 'sign a checkpoint of the audit log and print it (JSON)',
        usage: 'audit checkpoint [--out FILE]',
        options: { out: { type: 'string', arg: 'FILE', help: 'also append it to FILE (a witness copy)' } },
      },
      fingerprint: {
        summary: "print the audit key's fingerprint (needs the unsealed server)",
        json: true,
        usage: 'audit fingerprint',
      },
    },
    load: () => import('./audit.ts'),
  },
  ledger: {
    summary: "verify the assistance ledger's chain, double entry, balances and limits",
    usage: 'ledger verify [--witness FILE]...',
    dataDir: true,
    subcommands: {
      verify: {
        summary: 'exit 0 when the ledger holds; 2 naming the first problem',
        json: true,
        usage: 'ledger verify [--witness FILE]...',
        options: { witness },
      },
    },
    load: () => import('./ledger.ts'),
  },
  witness: {
    summary: 'the fork alarm, and the checkpoints this server witnesses for its peers (ADR 0175)',
    usage: ['witness forks', 'witness export --origin FINGERPRINT [--log audit|ledger] [--out FILE]'],
    dataDir: true,
    subcommands: {
      forks: {
        summary: 'list forked checkpoints and silence alarms (ADR 0213); exit 2 while any is not acknowledged',
        json: true,
        usage: 'witness forks',
      },
      export: {
        summary:
          "write the countersigned checkpoints of a peer's log (JSON Lines) for its `audit verify --witness`",
        usage: 'witness export --origin FINGERPRINT [--log audit|ledger] [--out FILE]',
        options: {
          origin: { type: 'string', arg: 'FINGERPRINT', help: "the peer's federation fingerprint" },
          log: { type: 'string', arg: 'LOG', help: 'audit (default) or ledger' },
          out: { type: 'string', arg: 'FILE', help: 'where to write them (default: stdout)' },
        },
      },
    },
    load: () => import('./witness.ts'),
  },
  federation: {
    summary: 'hand a referral packet to another Sanctuary server as a file, or take one in',
    usage: ['federation export-packet --id PACKET_ID --out FILE', 'federation import-packet FILE [--out RECEIPT_FILE]'],
    dataDir: true,
    subcommands: {
      'export-packet': {
        summary: "write an outgoing packet (already sealed to the peer's key) to FILE, for an offline hand-over",
        usage: 'federation export-packet --id PACKET_ID --out FILE',
        options: {
          id: { type: 'string', arg: 'PACKET_ID', help: 'the packet to write' },
          out: { type: 'string', arg: 'FILE', help: 'where to write it' },
        },
      },
      'import-packet': {
        summary: 'take in a packet from a verified peer (or a receipt for one of ours); write the signed receipt',
        usage: 'federation import-packet FILE [--out RECEIPT_FILE]',
        positionals: [1, 1],
        options: { out: { type: 'string', arg: 'FILE', help: 'where to write the receipt (default: stdout)' } },
      },
    },
    load: () => import('./federation.ts'),
  },
  evidence: {
    summary: "verify an evidence bundle (no data directory needed), or the store's chains of custody",
    usage: ['evidence verify BUNDLE [--public-key FILE]', 'evidence verify [--item ID]'],
    subcommands: {
      verify: {
        summary: 'check a bundle (BagIt directory or ZIP) with only the public key, or the custody chains in the database',
        usage: ['evidence verify BUNDLE [--public-key FILE]', 'evidence verify [--item ID]'],
        positionals: [0, 1],
        options: {
          'public-key': { type: 'string', arg: 'FILE', help: "the organisation's evidence public key (PEM)" },
          item: { type: 'string', arg: 'ID', help: 'check one item of the store' },
        },
      },
    },
    load: () => import('./evidence.ts'),
  },
  reports: {
    summary: 'show or set the privacy budget of public statistics; verify a public release bundle',
    usage: ['reports budget [--dataset D --total RHO]', 'reports verify BUNDLE [--public-key KEY]'],
    details: 'docs/reports.md. verify touches no database and no data directory.',
    subcommands: {
      budget: {
        summary:
          "print every dataset's total rho and what its releases spent; with --dataset and --total, set it",
        usage: 'reports budget [--dataset D --total RHO]',
        json: true,
        dataDir: true,
        details:
          'Lowering only protects more. The operator sets it at once (audited); on the web, raising it\n' +
          'is a two-person act (a second administrator approves it).',
        options: {
          dataset: { type: 'string', arg: 'D', help: 'the dataset (today: cases)' },
          total: {
            type: 'string',
            arg: 'RHO',
            help: 'the total rho as a fraction, e.g. 1/1 (more than 0, at most 10)',
          },
        },
      },
      verify: {
        summary:
          'exit 0 only when a release bundle (.tar or directory) is intact and signed; 2 naming the problem',
        usage: 'reports verify BUNDLE [--public-key KEY]',
        positionals: [1, 1],
        json: true,
        options: {
          'public-key': {
            type: 'string',
            arg: 'KEY',
            help: "the organisation's statistics public key as the releases page shows it",
          },
        },
      },
    },
    load: () => import('./reports.ts'),
  },
  outreach: {
    summary: 'build, verify and print the outreach guides (static site, leaflets)',
    usage: [
      'outreach build --key K --out DIR [--zip FILE] [--web URL] [--onion URL] [--telegram BOT] [--campaign CODE]',
      'outreach verify COPY [--public-key HEX ...]',
      'outreach leaflet --out FILE [--size a6|a5] [--lang ru|uk|en] [--variant plain|discreet] [--campaign CODE]',
    ],
    details: 'Touches no database and no data directory (docs/outreach.md).',
    subcommands: {
      build: {
        summary: 'write the signed, mirrorable static site of the guides (and optionally a ZIP)',
        usage: 'outreach build --key K --out DIR [--zip FILE] [--web URL] [--onion URL] [--telegram BOT] [--campaign CODE] [--content DIR]',
        options: {
          key: { type: 'string', arg: 'K', help: 'the Ed25519 signing key (PEM), kept off the server' },
          out: { type: 'string', arg: 'DIR', help: 'a new directory for the copy' },
          zip: { type: 'string', arg: 'FILE', help: 'also write the copy as a ZIP' },
          web: { type: 'string', arg: 'URL', help: 'the intake address (default SANCTUARY_PUBLIC_URL)' },
          onion: { type: 'string', arg: 'URL', help: 'the onion service address' },
          telegram: { type: 'string', arg: 'BOT', help: "the Telegram bot's user name" },
          campaign: { type: 'string', arg: 'CODE', help: 'a mirror code on the intake links, counted per week' },
          content: { type: 'string', arg: 'DIR', help: 'the content directory (default content/outreach)' },
        },
      },
      verify: {
        summary: "check a copy's signature and every file (a directory or a ZIP)",
        usage: 'outreach verify COPY [--public-key HEX ...]',
        positionals: [1, 1],
        options: {
          'public-key': { type: 'string', multiple: true, arg: 'HEX', help: 'a trusted key (default SANCTUARY_OUTREACH_KEYS)' },
        },
      },
      leaflet: {
        summary: 'render a print-ready card or leaflet (PDF) with a QR code to the intake',
        usage: 'outreach leaflet --out FILE [--size a6|a5] [--lang ru|uk|en] [--variant plain|discreet] [--campaign CODE]',
        options: {
          out: { type: 'string', arg: 'FILE', help: 'the PDF to write' },
          size: { type: 'string', arg: 'a6|a5', help: 'card (a6, default) or leaflet (a5)' },
          lang: { type: 'string', arg: 'LANG', help: 'ru (default), uk or en' },
          variant: { type: 'string', arg: 'plain|discreet', help: 'discreet looks like a small business card' },
          web: { type: 'string', arg: 'URL', help: 'the intake address (default SANCTUARY_PUBLIC_URL)' },
          onion: { type: 'string', arg: 'URL', help: 'the onion service address' },
          telegram: { type: 'string', arg: 'BOT', help: "the Telegram bot's user name" },
          campaign: { type: 'string', arg: 'CODE', help: 'the print run code' },
        },
      },
    },
    load: () => import('./outreach.ts'),
  },
  link: {
    summary: 'link person records across spellings and scripts (JSON Lines in, clusters out)',
    usage: [
      'link --input F.jsonl --output G.jsonl [--mode plain|private] [--strict]',
      'link --input F.jsonl --explain ID [--mode plain|private]',
    ],
    details:
      'Reads one person per line (only "id" required); writes one {"id","clusterId"} line per record.\n' +
      'A progress bar is shown on standard error when it is a terminal; the summary line always is.',
    options: {
      input: { type: 'string', arg: 'F', help: 'JSON Lines, one person per line; - reads standard input' },
      output: {
        type: 'string',
        arg: 'G',
        help: 'JSON Lines, one {"id","clusterId"} per input record; - writes standard output',
      },
      mode: { type: 'string', arg: 'M', help: 'plain (default) or private (keyed Bloom-filter encodings)' },
      strict: { type: 'boolean', help: 'a bad input line is fatal (default: report it and skip it)' },
      explain: { type: 'string', arg: 'ID', help: 'print why record ID is in its cluster (JSON, on stdout)' },
      'secret-file': {
        type: 'string',
        arg: 'FILE',
        help: 'private mode: the linkage secret (hex or base64, >= 32 bytes); or SANCTUARY_LINKAGE_SECRET',
      },
      threshold: {
        type: 'string',
        arg: 'T',
        help: 'plain: match probability (default 0.5); private: Dice + token credit (default 0.75)',
      },
    },
    load: () => import('./link.ts'),
  },
  pathways: {
    summary: 'print the ranked pathway options for a profile, as JSON',
    details: 'The output is always JSON (--json is accepted for symmetry with the other commands).',
    json: true,
    usage: [
      'pathways --profile P.json|- [--lang ru|uk|en] [--today YYYY-MM-DD] [--pack P]',
      'pathways pack keygen|build|verify|publish …',
    ],
    runsBare: true,
    options: {
      profile: {
        type: 'string',
        arg: 'P.json',
        help: 'the situation (profile) to evaluate; - reads it from stdin',
      },
      lang: {
        type: 'string',
        arg: 'ru|uk|en',
        help: "the language of the texts (else the profile's language)",
      },
      today: { type: 'string', arg: 'YYYY-MM-DD', help: 'evaluate as of this date' },
      pack: { type: 'string', arg: 'P', help: 'use a signed content pack instead of the built-in content' },
    },
    subcommands: {
      pack: {
        summary: 'signed pathways content packs (ADR 0102, 0103)',
        usage: [
          'pathways pack keygen --out K',
          'pathways pack build --content DIR --key K --out P',
          'pathways pack verify P [--public-key HEX]...',
          'pathways pack publish P [--force]',
        ],
        subcommands: {
          keygen: {
            summary: 'write a new private signing key (never overwrites one)',
            usage: 'pathways pack keygen --out K',
            options: { out: { type: 'string', arg: 'K', help: 'the key file to create (mode 0600)' } },
          },
          build: {
            summary: 'build and sign a content pack',
            usage: 'pathways pack build --content DIR --key K --out P',
            options: {
              content: { type: 'string', arg: 'DIR', help: 'the content directory (YAML)' },
              key: { type: 'string', arg: 'K', help: 'the private signing key' },
              out: { type: 'string', arg: 'P', help: 'the pack to write' },
            },
          },
          verify: {
            summary: 'exit 0 only when the signature and the content are valid',
            usage: 'pathways pack verify P [--public-key HEX]...',
            positionals: [1, 1],
            options: {
              'public-key': {
                type: 'string',
                multiple: true,
                arg: 'HEX',
                help: 'a trusted public key (else SANCTUARY_PATHWAYS_PACK_KEYS)',
              },
            },
          },
          publish: {
            summary: 'publish a pack to the running server (or the data directory)',
            usage: 'pathways pack publish P [--force]',
            positionals: [1, 1],
            dataDir: true,
            options: { force: { type: 'boolean', help: 'publish even an older content version' } },
          },
        },
      },
    },
    load: () => import('./pathways.ts'),
  },
  demo: {
    summary: 'load a synthetic demo organisation (invented people only; development only)',
    usage: 'demo [--cases N]',
    details:
      'Creates the data directory if needed. Stop the server first; start it after with `npm run dev`.',
    dataDir: true,
    options: { cases: { type: 'string', arg: 'N', help: 'number of cases, 1 to 1000 (default 50)' } },
    load: () => import('./demo.ts'),
  },
  backup: {
    summary: 'write one encrypted archive of the database and the attachments (age)',
    usage: 'backup --out FILE',
    dataDir: true,
    options: { out: { type: 'string', arg: 'FILE', help: 'the archive to write' } },
    load: () => import('./backup.ts'),
  },
  restore: {
    summary: 'restore a backup archive into an empty data directory or database',
    usage: 'restore FILE [--identity IDENTITY_FILE]',
    details:
      'The age identity comes from --identity, SANCTUARY_BACKUP_IDENTITY_FILE, or standard input when piped.',
    dataDir: true,
    positionals: [1, 1],
    options: { identity: { type: 'string', arg: 'FILE', help: 'the age identity file' } },
    load: () => import('./restore.ts'),
  },
};
