import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** CPU seconds sampled (idle excluded). */
  busySeconds: number;
  /** Share of busy CPU time by where the code lives: a package, node's internals, the app bundle, GC. */
  byPackage: Array<{ name: string; pct: number }>;
  topFunctions: Array<{ name: string; pct: number }>;
}

/** Where a frame's code lives: the npm package, node itself, the app's own bundle, or V8's pseudo-frames. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const marker = url.lastIndexOf('/node_modules/');
  if (marker >= 0) {
    const [scope, name] = url.slice(marker + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name ?? ''}` : (scope ?? url);
  }
  if (url.startsWith('node:')) return 'node (core)';
  if (url.includes('/dist/')) return 'app bundle (dist/*/main.js)';
  return url;
}

/** Self time per package and per function, from a .cpuprofile written by bench/profiler/preload.cjs. */
export function summarizeProfile(file: string, root: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} [${pkg}${url && !url.includes('/node_modules/') ? `:${lineNumber + 1}` : ''}]`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const top = (map: Map<string, number>, n: number): Array<{ name: string; pct: number }> =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, pct: Math.round((us / busy) * 1000) / 10 }));
  return {
    file: relative(root, file),
    busySeconds: Math.round(busy / 1e5) / 10,
    byPackage: top(packages, 14),
    topFunctions: top(functions, 12),
  };
}

/** Every .cpuprofile under `dir`. */
export function findProfiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findProfiles(path));
    else if (entry.endsWith('.cpuprofile')) found.push(path);
  }
  return found.sort();
}
