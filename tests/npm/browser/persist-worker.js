// A module worker of the idb:// test: opens the database named in the message, runs its
// commands, flushes, and answers with the keys it sees.
import { Cinder } from '/dist/browser.js';

self.onmessage = async ({ data }) => {
  try {
    const db = await Cinder.open(`idb://${data.name}`);
    for (const c of data.commands) db.call(...c);
    await db.flush();
    const out = { keys: db.keys('*').sort(), n: db.get('n') };
    db.close();
    self.postMessage(out);
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
