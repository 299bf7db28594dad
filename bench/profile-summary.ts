import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * Where a server's CPU went, from a V8 .cpuprofile: self time per function and per area (a package under
 * node_modules, a directory of src/, a node: built-in, or V8's own "(garbage collector)" / "(program)"),
 * from the samples' time deltas. A native function (a socket write, JSON.parse) counts for the area of the
 * JavaScript outside node: that called it, marked "(native)": `mongodb (native)` is the driver's socket writes. Idle time
 * and the profiler's own inspector session are left out of the shares. Runnable on its own:
 * `node bench/profile-summary.ts <file.cpuprofile>`.
 */
interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number }

export interface ProfileSummary {
  sampledMs: number;
  /** Sampled time that was neither idle nor the profiler's own. */
  activeMs: number;
  functions: { name: string; area: string; location: string; selfMs: number; share: number }[];
  areas: { area: string; selfMs: number; share: number }[];
  /** With the spans of one virtual user's requests: the samples taken during each step, per request. */
  steps?: StepProfile[];
}

/** One step of a flow on the server, on V8's monotonic clock (µs), as StepTimes records it. */
export interface Span { step: string; startUs: number; endUs: number }

export interface StepProfile {
  step: string;
  requests: number;
  /** Sampled main-thread time per request, idle left out. */
  msPerRequest: number;
  areas: { area: string; msPerRequest: number }[];
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export function summariseProfile(file: string, top = 20, spans: Span[] = []): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const areaOfNode = (id: number) => {
    const frame = nodes.get(id)!.callFrame;
    return areaOf(frame) === '(native)' ? `${callerArea(id, nodes, parents)} (native)` : areaOf(frame);
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const byFunction = new Map<string, { name: string; area: string; location: string; us: number }>();
  const byArea = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    sampled += us;
    const area = areaOfNode(id);
    if (frame.functionName === '(idle)' || area === 'node:inspector') {
      idle += us;
      continue;
    }
    const location = frame.url ? `${shortPath(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}|${location}`;
    const entry = byFunction.get(key) ?? { name: frame.functionName || '(anonymous)', area, location, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const active = sampled - idle;
  const share = (us: number) => (active > 0 ? us / active : 0);
  return {
    sampledMs: sampled / 1000,
    activeMs: active / 1000,
    functions: [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((f) => ({ name: f.name, area: f.area, location: f.location, selfMs: f.us / 1000, share: share(f.us) })),
    areas: [...byArea].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfMs: us / 1000, share: share(us) })),
    ...(spans.length > 0 ? { steps: stepProfiles(profile, spans, areaOfNode) } : {}),
  };
}

/**
 * Each sample falls in the step whose span holds its timestamp (spans of one virtual user do not overlap);
 * a sample's time is the delta to the next one. Samples between steps (the driver's own turn) are left out.
 */
function stepProfiles(profile: CpuProfile, spans: Span[], areaOfNode: (id: number) => string): StepProfile[] {
  const ordered = [...spans].sort((a, b) => a.startUs - b.startUs);
  const requests = new Map<string, number>();
  for (const span of ordered) requests.set(span.step, (requests.get(span.step) ?? 0) + 1);
  const byStep = new Map<string, Map<string, number>>();
  let at = profile.startTime;
  let next = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    while (next < ordered.length && ordered[next]!.endUs < at) next++;
    const span = ordered[next];
    if (!span || span.startUs > at) return;
    const area = areaOfNode(id);
    if (area === '(idle)' || area.startsWith('node:inspector')) return;
    let areas = byStep.get(span.step);
    if (!areas) byStep.set(span.step, (areas = new Map()));
    areas.set(area, (areas.get(area) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  return [...requests].map(([step, count]) => {
    const areas = [...(byStep.get(step) ?? [])].sort((a, b) => b[1] - a[1]);
    return {
      step,
      requests: count,
      msPerRequest: areas.reduce((sum, [, us]) => sum + us, 0) / 1000 / count,
      areas: areas.map(([area, us]) => ({ area, msPerRequest: us / 1000 / count })),
    };
  });
}

/** The area of the nearest caller outside Node's own modules (whose stream code sits between a library and its socket). */
function callerArea(id: number, nodes: Map<number, ProfileNode>, parents: Map<number, number>): string {
  for (let current = parents.get(id); current !== undefined; current = parents.get(current)) {
    const frame = nodes.get(current)!.callFrame;
    if (frame.url && !frame.url.startsWith('node:')) return areaOf(frame);
  }
  return '(unknown caller)';
}

/** `@xmldom/xmldom`, `oidc-provider`, `src/federation`, `node:crypto`, `(garbage collector)`, ... */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const path = shortPath(url);
  const modules = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules) return modules[1]!;
  const own = /^(src|views|bench|test)\/([^/]+)\//.exec(path);
  if (own) return `${own[1]}/${own[2]}`;
  return path;
}

function shortPath(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node bench/profile-summary.ts <file.cpuprofile> [<file.spans.json>]');
  const spans = process.argv[3] ? JSON.parse(readFileSync(process.argv[3], 'utf8')) as Span[] : [];
  console.log(JSON.stringify(summariseProfile(file, 20, spans), null, 2));
}
