/**
 * Which component a test belongs to: the config's rules in order (regexes over the test's name and
 * suite, and over the tags OpenShift test names carry: [sig-…], [Jira:"…"], [Feature:…], [Suite:…]),
 * then, for a test no rule names, its [Jira:"…"] or [sig-…] tag (components.fromTags), else "unknown".
 * The owner, team, bug project and alert switches of a component come from components.info.
 */
import type { ComponentRule, ComponentsConfig } from '../config/config-schema.ts';

export const UNKNOWN_COMPONENT = 'unknown';

export interface TestTags {
  sig: string[];
  jira: string[];
  feature: string[];
  suiteTag: string[];
}

const TAG_PATTERNS: Record<keyof TestTags, RegExp> = {
  sig: /\[sig-([^\]\s]+)\]/g,
  jira: /\[Jira:"([^"\]]+)"\]/g,
  feature: /\[Feature:([^\]]+)\]/g,
  suiteTag: /\[Suite:([^\]]+)\]/g,
};

/** The values of the tags in an OpenShift test name, in the order they appear. */
export function testTags(name: string): TestTags {
  const values = (re: RegExp): string[] => [...name.matchAll(re)].map((m) => m[1]!);
  return { sig: values(TAG_PATTERNS.sig), jira: values(TAG_PATTERNS.jira), feature: values(TAG_PATTERNS.feature), suiteTag: values(TAG_PATTERNS.suiteTag) };
}

export interface ComponentMatch {
  component: string;
  /** rule: a config rule named it; jira or sig: the test's own tag did; unknown: nothing did. */
  via: 'rule' | 'jira' | 'sig' | 'unknown';
}

interface CompiledRule {
  component: string;
  test?: RegExp;
  suite?: RegExp;
  tags: Array<[keyof TestTags, RegExp]>;
}

function compile(rule: ComponentRule): CompiledRule {
  const tags: Array<[keyof TestTags, RegExp]> = [];
  for (const tag of ['sig', 'jira', 'feature', 'suiteTag'] as const) {
    const pattern = rule[tag];
    if (pattern !== undefined) tags.push([tag, new RegExp(pattern)]);
  }
  return {
    component: rule.component,
    ...(rule.test !== undefined ? { test: new RegExp(rule.test) } : {}),
    ...(rule.suite !== undefined ? { suite: new RegExp(rule.suite) } : {}),
    tags,
  };
}

export class ComponentMapper {
  readonly #rules: CompiledRule[];
  readonly #fromTags: ComponentsConfig['fromTags'];
  readonly #cache = new Map<string, ComponentMatch>();

  constructor(config: Pick<ComponentsConfig, 'rules' | 'fromTags'>) {
    this.#rules = config.rules.map(compile);
    this.#fromTags = config.fromTags;
  }

  map(suite: string, name: string): ComponentMatch {
    const key = `${suite}\u0000${name}`;
    let match = this.#cache.get(key);
    if (!match) this.#cache.set(key, (match = this.#match(suite, name)));
    return match;
  }

  #match(suite: string, name: string): ComponentMatch {
    const tags = testTags(name);
    for (const rule of this.#rules) {
      if (rule.test && !rule.test.test(name)) continue;
      if (rule.suite && !rule.suite.test(suite)) continue;
      if (rule.tags.every(([tag, re]) => tags[tag].some((value) => re.test(value)))) return { component: rule.component, via: 'rule' };
    }
    for (const tag of this.#fromTags) {
      const value = tags[tag][0];
      if (value !== undefined) return { component: tag === 'sig' ? `sig-${value}` : value, via: tag };
    }
    return { component: UNKNOWN_COMPONENT, via: 'unknown' };
  }
}

/** A component's owner, team, bug project, labels and alerts: its own entry, else the "*" entry, else none. */
export function componentInfo(config: Pick<ComponentsConfig, 'info'>, component: string): ComponentsConfig['info'][string] | undefined {
  return config.info[component] ?? config.info['*'];
}

/** A URL segment for a component name: lower case letters, digits and dashes, unique within `taken`. */
export function componentSlug(name: string, taken: Set<string>): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'component';
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  taken.add(slug);
  return slug;
}
