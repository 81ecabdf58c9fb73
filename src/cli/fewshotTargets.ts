// The few-shot benchmark targets: a pool to sample support sets from, and dev and test splits (paths under
// ../shared/data). A CrossNER target names the hub domain a leave-one-domain-out run leaves out.
export interface FewshotTarget {
  name: string;
  pool: string;
  dev: string;
  test: string;
  hubDomain?: string;
}

export const FEWSHOT_TARGETS: FewshotTarget[] = [
  { name: 'wnut17', pool: 'wnut17/wnut17train.conll', dev: 'wnut17/emerging.dev.conll', test: 'wnut17/emerging.test.annotated' },
  ...['politics', 'science', 'music', 'literature', 'ai'].map((d) => ({ name: d, pool: `crossner/${d}/train.txt`, dev: `crossner/${d}/dev.txt`, test: `crossner/${d}/test.txt`, hubDomain: d })),
];
