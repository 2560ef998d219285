import { matchesGlob } from 'node:path';

export interface Instruction {
  keyword: string;
  /** Arguments with the `--flag=value` options taken out. */
  args: string[];
  flags: Record<string, string>;
  line: number;
}

export interface Stage {
  base: string;
  name: string | null;
  instructions: Instruction[];
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined, JSON (exec) form understood. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i += 1;
      const next = lines[i] as string;
      line = line.replace(/\\\s*$/, ' ') + (/^\s*#/.test(next) ? '' : next);
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const keyword = (match[1] as string).toUpperCase();
    const rest = (match[2] as string).trim();
    const words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    const flags: Record<string, string> = {};
    const args: string[] = [];
    for (const word of words) {
      const flag = /^--([a-z-]+)(?:=(.*))?$/.exec(word);
      if (flag && args.length === 0) flags[flag[1] as string] = flag[2] ?? 'true';
      else args.push(word);
    }
    instructions.push({ keyword, args, flags, line: start + 1 });
  }
  return instructions;
}

/**
 * The stages of a multi-stage build, with ARGs substituted as `docker build` would: an ARG declared before the
 * first FROM is visible in FROM lines; an ARG declared inside a stage is visible in that stage's later
 * instructions. `buildArgs` (`--build-arg`, compose's `build.args`) override the declared defaults.
 */
export function stagesOf(instructions: Instruction[], buildArgs: Record<string, string> = {}): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  let stageArgs = new Map<string, string>();
  const substitute = (text: string, args: Map<string, string>) =>
    text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, arg: string) => args.get(arg) ?? '');
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args;
      stages.push({
        base: substitute(image, globalArgs),
        name: as?.toUpperCase() === 'AS' ? (name ?? null) : null,
        instructions: [],
      });
      stageArgs = new Map();
    } else if (instruction.keyword === 'ARG') {
      const [key = '', value] = (instruction.args[0] ?? '').split('=');
      const resolved = buildArgs[key] ?? value ?? globalArgs.get(key) ?? '';
      (stages.length === 0 ? globalArgs : stageArgs).set(key, resolved);
    } else {
      const args = instruction.args.map((arg) => substitute(arg, stageArgs));
      stages[stages.length - 1]?.instructions.push({ ...instruction, args });
    }
  }
  return stages;
}

/**
 * Whether .dockerignore keeps `path` (relative to the context, `/`-separated) out of the build context: the
 * last pattern that matches the path or one of its parent directories decides, `!` patterns re-include.
 */
export function isIgnored(path: string, dockerignore: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+/, '').replace(/\/+$/, '');
    if (prefixes.some((prefix) => matchesGlob(prefix, pattern))) ignored = !negated;
  }
  return ignored;
}
