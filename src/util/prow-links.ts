/** Links from a run's bucket path to its Prow (Spyglass) page. */
export function prowRunUrl(bucket: string, runPath: string): string {
  const host = /^kubernetes-/.test(bucket) ? 'https://prow.k8s.io' : 'https://prow.ci.openshift.org';
  const clean = runPath.replace(/\/+$/, '');
  return `${host}/view/gs/${encodeURIComponent(bucket)}/${clean.split('/').map(encodeURIComponent).join('/')}`;
}
