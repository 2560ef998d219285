import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ComposeFile, interpolate, loadRawCompose } from './support/compose';
import { isIgnored, parseDockerfile, Stage, stagesOf } from './support/dockerfile';
import { exists, read, root } from './support/workspace';

// What `docker build` would need from the build context, checked without a Docker engine: every COPY/ADD
// source exists in the context (and .dockerignore does not hide it), stages refer to earlier stages, and the
// images are built the way the issue asks (multi-stage, Node 24 slim, non-root, production dependencies only).

const compose = interpolate(loadRawCompose(), new Map()).value as ComposeFile;
const builds = Object.entries(compose.services)
  .filter(([, s]) => s.build)
  .map(([name, s]) => {
    const build = typeof s.build === 'string' ? { context: s.build } : (s.build ?? {});
    const context = build.context ?? '.';
    const dockerfile = posix.join(context, build.dockerfile ?? 'Dockerfile');
    const args = Array.isArray(build.args)
      ? Object.fromEntries(build.args.map((arg) => [arg.split('=')[0], arg.split('=').slice(1).join('=')]))
      : (build.args ?? {});
    return { name, context, dockerfile, args, stages: stagesOf(parseDockerfile(read(dockerfile)), args) };
  });
const dockerignore = exists('.dockerignore') ? read('.dockerignore') : '';

function finalStage(stages: Stage[]): Stage {
  return stages[stages.length - 1] as Stage;
}

describe('Dockerfiles', () => {
  it('the api and the matcher share one, told apart by APP; the web has its own', () => {
    expect(builds.map((b) => [b.name, b.dockerfile, b.args['APP'] ?? null])).toEqual([
      ['api', 'Dockerfile', 'api'],
      ['matcher', 'Dockerfile', 'matcher'],
      ['web', 'web/Dockerfile', null],
    ]);
  });

  it.each([
    ['api', 0],
    ['matcher', 0],
    ['web', 1],
    ['', 1],
  ])('the shared one, given APP=%j, exits %i at its first step', (app, status) => {
    const [build] = stagesOf(parseDockerfile(read('Dockerfile')), { APP: app });
    const guard = build?.instructions.find((i) => i.keyword === 'RUN')?.args.join(' ') ?? '';
    expect(spawnSync('sh', ['-c', guard], { encoding: 'utf8' })).toMatchObject({
      status,
      stderr: status === 0 ? '' : `APP must be api or matcher, got '${app}'\n`,
    });
  });

  describe.each(builds)('$name: $dockerfile', ({ context, stages }) => {
    it('is a multi-stage build', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
    });

    it('copies only what exists in the build context and .dockerignore lets through', () => {
      const problems: string[] = [];
      for (const stage of stages) {
        for (const instruction of stage.instructions) {
          if (!['COPY', 'ADD'].includes(instruction.keyword) || instruction.flags['from']) continue;
          for (const source of instruction.args.slice(0, -1)) {
            const path = posix.normalize(source).replace(/\/$/, '');
            const matches = globSync(path, { cwd: join(root, context) });
            if (matches.length === 0) problems.push(`line ${instruction.line}: ${source} does not exist`);
            for (const match of matches) {
              if (isIgnored(match, dockerignore))
                problems.push(`line ${instruction.line}: ${match} is in .dockerignore`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('copies --from earlier stages only', () => {
      const names: string[] = [];
      for (const stage of stages) {
        for (const instruction of stage.instructions) {
          const from = instruction.flags['from'];
          if (from) expect(names).toContain(from);
        }
        if (stage.name) names.push(stage.name);
      }
    });

    it('runs as a non-root user', () => {
      const last = finalStage(stages);
      const user = last.instructions.filter((i) => i.keyword === 'USER').pop()?.args[0];
      // nginx-unprivileged already runs as its `nginx` user (uid 101).
      expect(user ?? (last.base.includes('nginx-unprivileged') ? 'nginx' : 'root')).not.toMatch(/^(root|0)$/);
    });
  });

  describe.each(builds.filter((b) => b.name !== 'web'))(
    '$name: $dockerfile (a Node app)',
    ({ name, stages }) => {
      it('builds and runs on Node 24 slim', () => {
        for (const stage of stages) expect(stage.base).toMatch(/^node:24(\.\d+)*-(bookworm-)?slim$/);
      });

      it("installs only the production dependencies of the build's generated package.json", () => {
        const last = finalStage(stages);
        const runs = last.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' '));
        expect(runs.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
        const copied = last.instructions
          .filter((i) => i.keyword === 'COPY')
          .flatMap((i) => i.args.slice(0, -1));
        expect(copied).toEqual(
          expect.arrayContaining([
            `/workspace/dist/${name}/package.json`,
            `/workspace/dist/${name}/package-lock.json`,
          ]),
        );
        expect(last.instructions.find((i) => i.keyword === 'ENV')?.args.join(' ')).toContain(
          'NODE_ENV=production',
        );
      });

      it("runs with the heap limits of package.json's config.appNodeOptions, as npm start and the bench do", () => {
        const options = (JSON.parse(read('package.json')) as { config: { appNodeOptions: string } }).config
          .appNodeOptions;
        expect(options).toMatch(/--max-old-space-size=\d+/);
        const env = finalStage(stages)
          .instructions.filter((i) => i.keyword === 'ENV')
          .map((i) => i.args.join(' '));
        expect(env).toContain(`NODE_OPTIONS="${options}"`);
      });

      it('has the webpack build generate that package.json, from the config the Node apps share', () => {
        expect(read(`${name}/webpack.config.js`)).toContain(
          "require('../tools/webpack/node-app.config')(__dirname)",
        );
        expect(read('tools/webpack/node-app.config.js')).toMatch(/generatePackageJson:\s*true/);
      });
    },
  );

  describe('web/Dockerfile', () => {
    const web = builds.find((b) => b.name === 'web');
    const nginx = read('web/nginx.conf');

    it('serves the Angular build with nginx', () => {
      const last = finalStage(web?.stages ?? []);
      expect(last.base).toMatch(/nginx/);
      const copies = last.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args.join(' '));
      expect(copies).toContain('/workspace/dist/web/browser/ /usr/share/nginx/html/');
    });

    it('falls back to index.html for client-side routes', () => {
      expect(nginx).toMatch(/try_files \$uri \$uri\/ \/index\.html;/);
    });

    it('proxies /api/ to the api, without buffering the live feed (SSE)', () => {
      expect(nginx).toMatch(/location \/api\/ \{[^}]*proxy_pass \$lotwise_api;/);
      expect(nginx).toMatch(/set \$lotwise_api http:\/\/api:3001;/);
      expect(nginx).toMatch(/location = \/api\/events \{[^}]*proxy_buffering off;/);
    });

    it('listens on the port docker-compose.yml publishes', () => {
      const port = String(compose.services['web']?.ports?.[0]).split(':').pop();
      expect(nginx).toContain(`listen ${port};`);
    });
  });

  describe('.dockerignore', () => {
    it.each(['node_modules', 'libs/contracts/node_modules', 'dist/api/main.js', '.git/HEAD', 'api/.env'])(
      'keeps %s out of the context',
      (path) => {
        expect(isIgnored(path, dockerignore)).toBe(true);
      },
    );

    it.each(['package.json', 'libs/contracts/src/index.ts', 'api/src/main.ts', 'web/nginx.conf'])(
      'keeps %s in',
      (path) => {
        expect(isIgnored(path, dockerignore)).toBe(false);
      },
    );
  });
});
