// npx tsx bench/profile-summary.ts <file.cpuprofile> [top]: where a process spent its CPU time, by package
// or source file and by function (self time), from a profile written with node --cpu-prof (npm run bench -- --profile).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = relative('/', `${__dirname}/..`);

/** node_modules/<package> (or @scope/package), a file of this repository, node internals, or V8's own. */
export function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = path.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (path.startsWith('node:')) return 'node internals';
  const index = path.indexOf(ROOT);
  return index >= 0 ? path.slice(index + ROOT.length + 1) : path;
}

export function summarizeProfile(profile: Profile): { totalMs: number; byPlace: Map<string, number>; byFunction: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { callFrame } = nodes.get(id)!;
    const place = placeOf(callFrame.url, callFrame.functionName);
    const name = `${callFrame.functionName || '(anonymous)'} ${place}:${callFrame.lineNumber + 1}`;
    totalMs += ms;
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  });
  return { totalMs, byPlace, byFunction };
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exitCode = 2;
    return;
  }
  const top = Number(topArg ?? 25);
  const { totalMs, byPlace, byFunction } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const busyMs = totalMs - (byPlace.get('(idle)') ?? 0);
  const print = (title: string, entries: Map<string, number>) => {
    process.stdout.write(`\n${title} (self time; % of busy time ${busyMs.toFixed(0)} ms of ${totalMs.toFixed(0)} ms)\n`);
    for (const [name, ms] of [...entries].filter(([n]) => !n.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((ms / busyMs) * 100).toFixed(1).padStart(6)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`);
    }
  };
  print('by package or file', byPlace);
  print('by function', byFunction);
}

main();
