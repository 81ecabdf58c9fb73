// A second (third...) process labelling spans in a tight loop through the same code path as the extension
// (updateSupportFile: lock, fresh read, edit, atomic write). Forked by supportConcurrency.test.ts:
//   node --import tsx supportWriterProcess.ts ROOT WRITER COUNT
// It says 'ready' once loaded, starts on 'go' (so that all writers start together) and says 'done' at the end.
import { updateSupportFile } from '../../src/core/support/supportFileAccess';
import { withLabel } from '../../src/core/support/supportEdits';

const [root, writer, countText] = process.argv.slice(2);
const count = Number(countText);

process.on('message', (message) => {
  if (message !== 'go') return;
  void (async () => {
    for (let i = 0; i < count; i++) {
      const text = `Writer ${writer} labels sentence ${i} .`;
      await updateSupportFile(root, (examples) => withLabel(examples, { text, source: { path: `${writer}.txt`, offset: i * 40 } }, { start: 0, end: 6, label: `W${writer}` }));
    }
    process.send!('done', () => process.exit(0));
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
});
process.send!('ready');
