import { readFileSync } from 'node:fs';

/** Linux clock ticks per second (USER_HZ): 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** utime + stime of a process in ticks, or null once it is gone. */
export function cpuTicks(pid: number): number | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return null;
  // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS and VmHWM (peak resident set since the process started) in MB. */
export function memory(pid: number): { rssMb: number; hwmMb: number } | null {
  const status = readProc(`/proc/${pid}/status`);
  if (!status) return null;
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Machine-wide busy and total ticks from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readProc('/proc/stat')?.split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  at: number;
  pids: Map<number, number>;
  machine: { busy: number; total: number };
}

export interface CpuSplit {
  seconds: number;
  /** Average cores used per group over the window (1.0 = one core fully busy). */
  cores: Record<string, number>;
  /** Cores used by everything else on the machine (other engineers' runs, the kernel, …). */
  otherCores: number;
  machineBusyPct: number;
}

export interface MemoryPeak {
  peakRssMb: number;
  /** VmHWM at the last sample: the process's lifetime peak. */
  hwmMb: number;
  /** RSS at the first sample (shortly after start-up): what the peak grew from. */
  firstRssMb: number;
}

type PidSource = () => number[] | Promise<number[]>;

/**
 * Samples RSS and CPU ticks of named process groups every 250 ms. Groups are resolved to pids on every
 * sample, so app processes and database backends that come and go are followed.
 */
export class Sampler {
  private readonly groups = new Map<string, PidSource>();
  private readonly groupOf = new Map<number, string>();
  private readonly ticks = new Map<number, number>();
  private readonly peaks = new Map<string, MemoryPeak>();
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> = Promise.resolve();

  track(group: string, pids: PidSource): void {
    this.groups.set(group, pids);
  }

  untrack(group: string): void {
    this.groups.delete(group);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sampling = this.sample();
    }, 250);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sampling;
  }

  /** Forgets memory peaks, so the next read covers only what follows. */
  resetPeaks(): void {
    this.peaks.clear();
  }

  peak(group: string): MemoryPeak | null {
    return this.peaks.get(group) ?? null;
  }

  /** Takes a fresh sample now and returns the CPU counters of every tracked pid. */
  async snapshot(): Promise<CpuSnapshot> {
    await this.sampling;
    await this.sample();
    return { at: performance.now(), pids: new Map(this.ticks), machine: machineTicks() };
  }

  /** CPU used per group between two snapshots; a pid first seen after `from` counts from zero. */
  split(from: CpuSnapshot, to: CpuSnapshot): CpuSplit {
    const seconds = (to.at - from.at) / 1000;
    const cores: Record<string, number> = {};
    let ours = 0;
    for (const [pid, ticks] of to.pids) {
      const group = this.groupOf.get(pid);
      if (!group) continue;
      const used = (ticks - (from.pids.get(pid) ?? 0)) / TICKS_PER_SECOND;
      cores[group] = (cores[group] ?? 0) + used / seconds;
      ours += used;
    }
    const machineBusy = (to.machine.busy - from.machine.busy) / TICKS_PER_SECOND;
    const machineTotal = (to.machine.total - from.machine.total) / TICKS_PER_SECOND;
    for (const key of Object.keys(cores)) cores[key] = Math.round((cores[key] ?? 0) * 100) / 100;
    return {
      seconds: Math.round(seconds * 10) / 10,
      cores,
      otherCores: Math.round(Math.max(0, (machineBusy - ours) / seconds) * 100) / 100,
      machineBusyPct: machineTotal > 0 ? Math.round((machineBusy / machineTotal) * 1000) / 10 : NaN,
    };
  }

  private async sample(): Promise<void> {
    for (const [group, source] of this.groups) {
      let pids: number[];
      try {
        pids = await source();
      } catch {
        continue;
      }
      for (const pid of pids) {
        this.groupOf.set(pid, group);
        const ticks = cpuTicks(pid);
        if (ticks !== null) this.ticks.set(pid, ticks);
        const mem = memory(pid);
        // A process that has exited but not been reaped has no VmRSS line.
        if (!mem || !Number.isFinite(mem.rssMb) || !Number.isFinite(mem.hwmMb)) continue;
        const peak = this.peaks.get(group) ?? { peakRssMb: 0, hwmMb: 0, firstRssMb: mem.rssMb };
        // A group of several processes (two matchers, the backends) reports its largest member.
        peak.peakRssMb = Math.max(peak.peakRssMb, mem.rssMb);
        peak.hwmMb = Math.max(peak.hwmMb, mem.hwmMb);
        this.peaks.set(group, peak);
      }
    }
  }
}
