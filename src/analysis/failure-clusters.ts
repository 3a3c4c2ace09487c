/**
 * Clusters of near-identical failure texts, across tests and jobs: the idea of Kubernetes triage (the
 * code is our own). Texts arrive normalised (failure-text.ts) and distinct; two texts are similar when
 * their edit distance is below CLUSTER_DISTANCE_SHARE of their mean length. Clustering is greedy and
 * deterministic: texts in order of weight (failures), each joins the first cluster whose key (its
 * first, heaviest text) is similar, or starts a cluster of its own.
 *
 * Most pairs never reach the edit distance, which costs O(n·m/32) even bit-parallel:
 *  1. length: the distance is at least the difference in length, so only keys whose length lies in a
 *     narrow band around the text's are looked at (keys are kept in buckets by length);
 *  2. 4-grams: one edit changes at most 4 of a text's 4-grams and adds at most 4, so the L1 distance
 *     of the two 4-gram multisets is at most 8 × the edit distance (the q-gram lemma). Multisets are
 *     sorted arrays of 16-bit 4-gram hashes; hashing only merges counts, which can only lower L1, so
 *     the bound stays a lower bound. A merge that passes the limit stops early.
 *  3. the clusters that texts of the same test joined are tried first: a test's texts are usually
 *     variants of each other, so most texts find their cluster on the first try.
 */
import { distance } from 'fastest-levenshtein';

/** Two texts are similar when their edit distance is below this share of their mean length (triage: 10 %). */
export const CLUSTER_DISTANCE_SHARE = 0.1;

export interface ClusterText {
  /** A normalised failure text; texts given to one call are distinct. */
  text: string;
  /** How many failures carry it: heavier texts are placed first and become keys. */
  weight: number;
  /** Texts of the same hint (a test) try each other's clusters first. */
  hint: number;
}

export interface Clustering {
  /** Cluster index of each input text, in input order. */
  clusterOf: Int32Array;
  /** Input index of each cluster's key text, by cluster index (clusters numbered in creation order). */
  keys: number[];
}

/**
 * Numbers are not told apart: a count, a port or a line number that the normaliser keeps ("fired for
 * 120 seconds", "want 3 replicas") says nothing about which failure it is, and texts equal but for
 * their numbers are one failure without measuring a distance at all.
 */
export function withoutNumbers(text: string): string {
  return text.replace(/\d+/g, '0');
}

/** The largest edit distance that still counts as similar, exclusive: distance < limit. */
function limitFor(a: number, b: number): number {
  return (CLUSTER_DISTANCE_SHARE * (a + b)) / 2;
}

/** Whether two texts are similar: the rule every cluster holds to, pinned by test/failure-clusters.test.ts. */
export function similarTexts(textA: string, textB: string): boolean {
  const a = withoutNumbers(textA);
  const b = withoutNumbers(textB);
  const limit = limitFor(a.length, b.length);
  if (Math.abs(a.length - b.length) >= limit) return false;
  return distanceBelow(a, b, limit);
}

/**
 * Whether the edit distance of a and b is below `limit`. A common prefix and suffix change nothing in
 * the distance, and texts of one failure usually differ only in a few places (a name, a number, a
 * source line), so only the part between them is measured, and not at all when it is shorter than the
 * limit (the distance is at most the longer part's length).
 */
function distanceBelow(a: string, b: string, limit: number): boolean {
  const shorter = Math.min(a.length, b.length);
  let start = 0;
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  if (Math.max(endA - start, endB - start) < limit) return true;
  return distance(a.slice(start, endA), b.slice(start, endB)) < limit;
}

/** The text's 4-grams as sorted 16-bit hashes (a multiset). */
export function gramProfile(text: string): Uint16Array {
  const n = text.length - 3;
  if (n <= 0) return new Uint16Array(0);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    // FNV-1a over the four code units, folded to 16 bits.
    let h = 0x811c9dc5;
    for (let k = 0; k < 4; k++) h = Math.imul(h ^ text.charCodeAt(i + k), 0x01000193);
    out[i] = (h ^ (h >>> 16)) & 0xffff;
  }
  return out.sort();
}

/**
 * True when the 4-gram L1 distance of two profiles exceeds `maxL1`: then the edit distance exceeds
 * maxL1 / 8 and the pair cannot be similar. Stops as soon as the count passes the limit.
 */
export function gramsTooFar(a: Uint16Array, b: Uint16Array, maxL1: number): boolean {
  let i = 0;
  let j = 0;
  let l1 = 0;
  const na = a.length;
  const nb = b.length;
  while (i < na && j < nb) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      i++;
      j++;
    } else {
      if (x < y) i++;
      else j++;
      if (++l1 > maxL1) return true;
    }
  }
  return l1 + (na - i) + (nb - j) > maxL1;
}

interface Cluster {
  key: string;
  profile: Uint16Array;
}

const EMPTY = new Uint16Array(0);

/** Texts shorter than this are compared with every key of similar length (too few 4-grams to index). */
const SHORT = 32;

/** The largest edit distance a text of this length may have to any key it can be similar to. */
function maxDistance(length: number): number {
  const s = CLUSTER_DISTANCE_SHARE;
  const longest = (length * (1 + s / 2)) / (1 - s / 2);
  return Math.ceil((s * (length + longest)) / 2) - 1;
}

/**
 * The text's 4-gram tokens in the global order (rarest gram first), each occurrence of a gram its own
 * token (hash + 65536 × occurrence), cut to the prefix that prefix filtering needs: two texts within
 * edit distance d share at least max(|A|, |B|) − 4d 4-grams, so under one global order their first
 * 4d + 1 tokens must meet (Xiao et al.'s Ed-Join uses the same bound).
 */
function prefixTokens(profile: Uint16Array, order: GramOrder, length: number): number[] {
  // The profile is sorted, so the occurrences of a gram are adjacent; sort keys are rank × 4096 + occurrence.
  const sortKeys = new Float64Array(profile.length);
  for (let i = 0; i < profile.length; i++) {
    const h = profile[i]!;
    let occurrence = 0;
    while (occurrence < i && profile[i - occurrence - 1] === h) occurrence++;
    sortKeys[i] = order.rank[h]! * 4096 + Math.min(occurrence, 4095);
  }
  sortKeys.sort();
  const n = Math.min(sortKeys.length, 4 * maxDistance(length) + 1);
  const tokens = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const key = sortKeys[i]!;
    const occurrence = key % 4096;
    tokens[i] = order.byRank[(key - occurrence) / 4096]! + 65536 * occurrence;
  }
  return tokens;
}

interface GramOrder {
  rank: Uint32Array;
  byRank: Uint16Array;
}

export function clusterTexts(texts: readonly ClusterText[]): Clustering {
  const order = texts.map((_, i) => i).sort((a, b) => texts[b]!.weight - texts[a]!.weight || cmp(texts[a]!.text, texts[b]!.text));
  const forms = texts.map((t) => withoutNumbers(t.text));
  // The global order of 4-grams: rarest first, so prefixes hold rare grams and the posting lists they
  // reach stay short. Any order is correct; counting a sample of the texts is enough to make it a good one.
  const frequency = new Uint32Array(65536);
  const step = Math.max(1, Math.floor(texts.length / 5000));
  for (let i = 0; i < forms.length; i += step) for (const h of gramProfile(forms[i]!)) frequency[h]!++;
  const byRank = Uint16Array.from({ length: 65536 }, (_, h) => h).sort((a, b) => frequency[a]! - frequency[b]! || a - b);
  const rank = new Uint32Array(65536);
  byRank.forEach((h, i) => {
    rank[h] = i;
  });
  const gramOrder: GramOrder = { rank, byRank };

  const clusterOf = new Int32Array(texts.length).fill(-1);
  /** The cluster of each text form (without numbers) already placed. */
  const ofForm = new Map<string, number>();
  const clusters: Cluster[] = [];
  const keys: number[] = [];
  /** Short keys by length, compared one by one. */
  const shortByLength: number[][] = [];
  /** Posting lists: prefix token → clusters whose key has it in its prefix. */
  const postings = new Map<number, number[]>();
  /** Per hint: the clusters its texts joined, in the order they did. */
  const hinted = new Map<number, { list: number[]; set: Set<number> }>();
  let stamp = new Int32Array(1024).fill(-1);
  const half = CLUSTER_DISTANCE_SHARE / 2;

  const matches = (text: string, profile: Uint16Array, c: number): boolean => {
    const key = clusters[c]!;
    const limit = limitFor(text.length, key.key.length);
    if (Math.abs(text.length - key.key.length) >= limit) return false;
    // distance < limit requires L1 ≤ 8·distance < 8·limit.
    if (gramsTooFar(profile, key.profile, Math.ceil(8 * limit) - 1)) return false;
    return distanceBelow(text, key.key, limit);
  };

  for (const i of order) {
    const { hint } = texts[i]!;
    const text = forms[i]!;
    let found = ofForm.get(text) ?? -1;
    const profile = found < 0 ? gramProfile(text) : EMPTY;
    const tried = hinted.get(hint);
    if (found < 0 && tried) {
      for (const c of tried.list) {
        if (matches(text, profile, c)) {
          found = c;
          break;
        }
      }
    }
    const lo = Math.max(0, Math.floor((text.length * (1 - half)) / (1 + half)));
    const hi = Math.ceil((text.length * (1 + half)) / (1 - half));
    // Short keys within reach of the text's length: one by one.
    for (let len = lo; found < 0 && len <= Math.min(hi, SHORT - 1); len++) {
      for (const c of shortByLength[len] ?? []) {
        if (!tried?.set.has(c) && matches(text, profile, c)) {
          found = c;
          break;
        }
      }
    }
    let tokens: number[] | undefined;
    if (found < 0 && hi >= SHORT) {
      tokens = prefixTokens(profile, gramOrder, text.length);
      // Indexed keys that share a prefix token, tried in the order the clusters were made.
      const candidates: number[] = [];
      for (const token of tokens) {
        for (const c of postings.get(token) ?? []) {
          if (stamp[c] !== i) {
            stamp[c] = i;
            if (!tried?.set.has(c)) candidates.push(c);
          }
        }
      }
      candidates.sort((a, b) => a - b);
      for (const c of candidates) {
        if (matches(text, profile, c)) {
          found = c;
          break;
        }
      }
    }
    if (found < 0) {
      found = clusters.length;
      clusters.push({ key: text, profile });
      keys.push(i);
      if (found >= stamp.length) {
        const bigger = new Int32Array(stamp.length * 2).fill(-1);
        bigger.set(stamp);
        stamp = bigger;
      }
      if (text.length < SHORT) (shortByLength[text.length] ??= []).push(found);
      else {
        for (const token of tokens ?? prefixTokens(profile, gramOrder, text.length)) {
          const list = postings.get(token);
          if (list) list.push(found);
          else postings.set(token, [found]);
        }
      }
    }
    clusterOf[i] = found;
    ofForm.set(text, found);
    if (!tried) hinted.set(hint, { list: [found], set: new Set([found]) });
    else if (!tried.set.has(found)) {
      tried.list.push(found);
      tried.set.add(found);
    }
  }
  return { clusterOf, keys };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
